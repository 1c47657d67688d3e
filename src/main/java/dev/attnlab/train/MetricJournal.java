package dev.attnlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.io.AtomicFiles;
import dev.attnlab.tracking.Tracker;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The train stage's step metrics, passed on to its tracker and journaled beside the checkpoints
 * (one {@code {"key", "value", "step"}} line each). A resumed attempt replays the journal up to the
 * checkpoint it starts from, so its run, and the cache entry that replays onto later runs, holds the
 * whole curve rather than only the steps after the resume.
 */
final class MetricJournal implements Tracker {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tracker to;
    private final Path file;
    private FileOutputStream out;
    /** key@step of the replayed points: logged again by the resumed attempt (e.g. the final eval), they are dropped. */
    private final Set<String> replayed = new HashSet<>();

    MetricJournal(Tracker to, Path file) {
        this.to = to;
        this.file = file;
    }

    /** A fresh attempt: forget what earlier attempts journaled. */
    synchronized void startFresh() throws IOException {
        close();
        replayed.clear();
        Files.deleteIfExists(file);
    }

    /**
     * Resuming from the checkpoint at {@code step}: keeps the journaled metrics up to and including
     * it (those after it came from the attempt that went past the checkpoint and will be logged
     * again) and logs them to the tracker. Returns how many were replayed.
     */
    synchronized int resumeAt(long step) throws IOException {
        close();
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        List<String> kept = new ArrayList<>();
        List<JsonNode> replay = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line torn by the kill
            }
            if (n == null || !n.path("step").canConvertToLong() || !n.path("key").isTextual()) {
                continue;
            }
            if (n.path("step").asLong() <= step) {
                kept.add(line);
                replay.add(n);
            }
        }
        AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        for (JsonNode n : replay) {
            to.logMetric(n.path("key").asText(), n.path("value").asDouble(), n.path("step").asLong());
            replayed.add(n.path("key").asText() + "@" + n.path("step").asLong());
        }
        return replay.size();
    }

    @Override
    public void logMetric(String key, double value, long step) {
        synchronized (this) {
            if (replayed.contains(key + "@" + step)) {
                return; // exact resume: the same value, already on the run
            }
        }
        to.logMetric(key, value, step);
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        n.put("value", value);
        n.put("step", step);
        byte[] line;
        try {
            line = (JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            try {
                if (out == null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                    out = new FileOutputStream(file.toFile(), true);
                }
                out.write(line); // unbuffered: a line is in the file before the next checkpoint is
            } catch (IOException e) {
                throw new UncheckedIOException("cannot journal metric " + key + " in " + file, e);
            }
        }
    }

    @Override
    public void logParams(Map<String, String> params) {
        to.logParams(params);
    }

    @Override
    public void setTag(String key, String value) {
        to.setTag(key, value);
    }

    @Override
    public void logArtifact(Path artifact, String artifactDir) {
        to.logArtifact(artifact, artifactDir);
    }

    @Override
    public void flush() {
        to.flush();
    }

    /** Makes what is journaled so far durable: called with each checkpoint, which is fsynced too. */
    synchronized void sync() throws IOException {
        if (out != null) {
            out.getFD().sync();
        }
    }

    /** Closes the journal file; the tracker itself belongs to the runner and stays open. */
    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // every line was written unbuffered: nothing is lost by a failing close
            }
            out = null;
        }
    }
}
