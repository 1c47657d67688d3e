package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.io.AtomicFiles;
import dev.attnlab.io.FileLocks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The append-only record of everything a run sent (or meant to send) to MLflow, in
 * {@code RUN_DIR/mlflow/}:
 * <ul>
 *   <li>{@code journal.jsonl} — one entry a line, {@code {"seq": n, "type": ..., ...}}, seq 1, 2, 3...</li>
 *   <li>{@code acked.log} — {@code seq outcome} a line once the server acknowledged (or refused) an entry</li>
 *   <li>{@code run.json} — the MLflow experiment and run ids once the run exists on the server</li>
 *   <li>{@code staged/} — hard links (or copies) of artifact files until uploaded</li>
 * </ul>
 * An entry is sent until acknowledged, so a crash between sending and acknowledging repeats it;
 * every entry type is safe to repeat (see {@link MlflowRest#logBatch}). One process at a time
 * holds the journal (a file lock), so a live run and {@code attnlab sync} never both send it.
 */
final class Journal implements AutoCloseable {
    static final String DIR = "mlflow";
    static final ObjectMapper JSON = new ObjectMapper();
    static final java.util.Set<String> OUTCOMES = java.util.Set.of("ok", "rejected", "missing");

    /** One journal line. */
    record Entry(long seq, String type, ObjectNode body) { }

    /** Where the run lives on the server. */
    record RunRef(String experimentId, String runId, String artifactUri) { }

    /** Thrown when another process holds the journal. */
    static final class BusyException extends IOException {
        BusyException(Path dir) {
            super("the MLflow journal in " + dir + " is in use by another attnlab process (a run or a sync)");
        }
    }

    private final Path dir;
    private final FileLocks.Held lock;
    private final FileChannel journal;
    private final FileChannel acked;
    private long nextSeq;

    private Journal(Path dir, FileLocks.Held lock) throws IOException {
        this.dir = dir;
        this.lock = lock;
        this.journal = FileChannel.open(dir.resolve("journal.jsonl"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.acked = FileChannel.open(dir.resolve("acked.log"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        endTornLine(journal, dir.resolve("journal.jsonl"));
        endTornLine(acked, dir.resolve("acked.log"));
        List<Entry> all = readEntries(dir);
        this.nextSeq = all.isEmpty() ? 1 : all.get(all.size() - 1).seq() + 1;
    }

    /** A crash mid-write can leave a line without its newline; the next append must not extend it. */
    private static void endTornLine(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            in.read(last, size - 1);
            if (last.get(0) != '\n') {
                write(ch, "\n");
            }
        }
    }

    /** Opens (creating if needed) the journal of {@code runDir} and takes its lock. */
    static Journal open(Path runDir) throws IOException {
        Path dir = runDir.resolve(DIR);
        Files.createDirectories(dir.resolve("staged"));
        FileLocks.Held lock = FileLocks.tryLock(dir.resolve(".lock")).orElseThrow(() -> new BusyException(dir));
        try {
            return new Journal(dir, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Whether {@code runDir} has a journal with entries the server has not acknowledged. */
    static boolean hasUnacked(Path runDir) {
        Path dir = runDir.resolve(DIR);
        if (!Files.isRegularFile(dir.resolve("journal.jsonl"))) {
            return false;
        }
        try {
            return !unacked(readEntries(dir), readAcks(dir)).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code runDir} holds a journal of a run of {@code specName} that still needs a sync:
     * entries the server has not acknowledged, or no end (its process died). One read of the files.
     */
    static boolean needsSync(Path runDir, String specName) {
        Path dir = runDir.resolve(DIR);
        if (!Files.isRegularFile(dir.resolve("journal.jsonl"))) {
            return false;
        }
        try {
            List<Entry> all = readEntries(dir);
            if (all.isEmpty() || !specName.equals(all.get(0).body().path("spec").asText())) {
                return false;
            }
            return !hasEnd(all) || !unacked(all, readAcks(dir)).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code runDir}'s journal has entries but no "end" entry: the run was never closed. */
    static boolean isUnended(Path runDir) {
        try {
            List<Entry> all = readEntries(runDir.resolve(DIR));
            return !all.isEmpty() && !hasEnd(all);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether this journal holds an "end" entry (read from disk). */
    synchronized boolean ended() throws IOException {
        return hasEnd(readEntries(dir));
    }

    /** The first entry (the run creation) of a run directory's journal, if any. */
    static Optional<Entry> firstEntry(Path runDir) {
        try {
            List<Entry> all = readEntries(runDir.resolve(DIR));
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Path dir() {
        return dir;
    }

    Path stagingDir() {
        return dir.resolve("staged");
    }

    /** Appends an entry (assigning its seq) and forces it to disk. */
    synchronized Entry append(String type, ObjectNode body) {
        ObjectNode line = JSON.createObjectNode();
        line.put("seq", nextSeq);
        line.put("type", type);
        line.setAll(body);
        try {
            write(journal, JSON.writeValueAsString(line) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Entry(nextSeq++, type, body);
    }

    /** Records that the server took (outcome "ok") or refused ("rejected", "missing") an entry. */
    synchronized void ack(long seq, String outcome) {
        write(acked, seq + " " + outcome + "\n");
    }

    /** The entries not yet acknowledged, in seq order (read from disk). */
    synchronized List<Entry> unacked() throws IOException {
        return unacked(readEntries(dir), readAcks(dir));
    }

    /** How many entries were acknowledged with each outcome. */
    synchronized Map<String, Integer> ackCounts() throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        readAcks(dir).values().forEach(o -> counts.merge(o, 1, Integer::sum));
        return counts;
    }

    Optional<RunRef> runRef() throws IOException {
        Path f = dir.resolve("run.json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        JsonNode n = JSON.readTree(f.toFile());
        return Optional.of(new RunRef(n.path("experiment_id").asText(), n.path("run_id").asText(),
                n.path("artifact_uri").asText()));
    }

    void saveRunRef(RunRef ref) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("experiment_id", ref.experimentId());
        n.put("run_id", ref.runId());
        n.put("artifact_uri", ref.artifactUri());
        AtomicFiles.writeString(dir.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    private static boolean hasEnd(List<Entry> entries) {
        return entries.stream().anyMatch(e -> e.type().equals("end"));
    }

    private static List<Entry> unacked(List<Entry> entries, Map<Long, String> acks) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (!acks.containsKey(e.seq())) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<Entry> readEntries(Path dir) throws IOException {
        Path f = dir.resolve("journal.jsonl");
        List<Entry> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) {
            return out;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                // a line torn by a crash mid-write: it was never sent (entries are sent after they are written)
                continue;
            }
            ObjectNode body = ((ObjectNode) n).deepCopy();
            long seq = body.remove("seq").asLong();
            String type = body.remove("type").asText();
            out.add(new Entry(seq, type, body));
        }
        return out;
    }

    private static Map<Long, String> readAcks(Path dir) throws IOException {
        Map<Long, String> acks = new HashMap<>();
        Path f = dir.resolve("acked.log");
        if (!Files.isRegularFile(f)) {
            return acks;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String[] parts = line.strip().split(" ", 2);
            if (parts.length == 2 && OUTCOMES.contains(parts[1])) { // a torn line counts as not acknowledged
                try {
                    acks.put(Long.parseLong(parts[0]), parts[1]);
                } catch (NumberFormatException ignored) {
                    // torn last line
                }
            }
        }
        return acks;
    }

    private static void write(FileChannel ch, String text) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the MLflow journal: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            journal.close();
            acked.close();
        } catch (IOException ignored) {
            // closing: nothing left to lose, every write was forced
        } finally {
            lock.close();
        }
    }
}
