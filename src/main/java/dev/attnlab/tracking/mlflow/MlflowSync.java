package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Replays the unacknowledged part of run directories' MLflow journals to the server. */
public final class MlflowSync {

    /** What one sync did. {@code left} entries are still not on the server. */
    public record Result(Path runDir, long sent, long alreadyDone, long left, Optional<String> runUrl, String problem) {
        public boolean complete() {
            return left == 0 && problem.isEmpty();
        }
    }

    private MlflowSync() { }

    /** Whether {@code runDir} holds an MLflow journal. */
    public static boolean hasJournal(Path runDir) {
        return Files.isRegularFile(runDir.resolve(Journal.DIR).resolve("journal.jsonl"));
    }

    /**
     * Sends every unacknowledged entry of {@code runDir}'s journal, in order. A journal without an
     * end (its process died) is ended KILLED first.
     *
     * @throws MlflowException of kind AUTH when the server refuses the credentials
     * @throws IOException     when the journal cannot be read or is held by a running process
     */
    public static Result sync(Path runDir, MlflowRest rest, RunLog log) throws IOException {
        if (!hasJournal(runDir)) {
            throw new IOException(runDir + " has no MLflow journal (" + Journal.DIR
                    + "/journal.jsonl): it is not a run directory, or it ran with tracking.backend: none");
        }
        try (Journal journal = Journal.open(runDir)) {
            endIfAbandoned(journal, runDir, log);
            List<Journal.Entry> todo = journal.unacked();
            long before = journal.ackCounts().values().stream().mapToLong(Integer::longValue).sum();
            JournalSender sender = new JournalSender(journal, rest, log);
            JournalSender.Outcome outcome = sender.send(todo);
            if (outcome == JournalSender.Outcome.AUTH) {
                throw sender.lastError();
            }
            String problem = outcome == JournalSender.Outcome.UNAVAILABLE ? sender.lastError().getMessage() : "";
            return new Result(runDir, sender.sentCount(), before, todo.size(), // send() removed what it sent
                    sender.run().map(r -> JournalSender.runUrl(rest.settings(), r)), problem);
        }
    }

    /**
     * A journal that this process could lock and that has no end belongs to a run whose process
     * died without closing it (SIGKILL, out of memory, the machine stopped): end it KILLED, at the
     * time the journal was last written, so the MLflow UI does not show it running forever.
     */
    private static void endIfAbandoned(Journal journal, Path runDir, RunLog log) throws IOException {
        if (journal.ended()) {
            return;
        }
        long lastWritten = Files.getLastModifiedTime(journal.dir().resolve("journal.jsonl")).toMillis();
        ObjectNode body = Journal.JSON.createObjectNode();
        body.put("status", RunStatus.KILLED);
        body.put("end_time", lastWritten);
        journal.append("end", body);
        log.warn("run " + runDir + " ended without closing its MLflow run (its process was killed or the machine "
                + "stopped): marking it KILLED as of " + Instant.ofEpochMilli(lastWritten));
    }

    /**
     * Syncs the earlier runs of spec {@code specName} beside {@code runDir} (its siblings) whose
     * journals still hold unsent entries or were never ended (see {@link #sync}). Runs held by
     * another live process are skipped.
     */
    static void syncEarlierRuns(Path runDir, String specName, MlflowRest rest, RunLog log) {
        Path parent = runDir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        List<Path> candidates;
        try (Stream<Path> s = Files.list(parent)) {
            candidates = s.filter(Files::isDirectory)
                    .filter(d -> !d.toAbsolutePath().equals(runDir.toAbsolutePath()))
                    .filter(d -> Journal.needsSync(d, specName))
                    .sorted().toList();
        } catch (IOException e) {
            return;
        }
        for (Path d : candidates) {
            try {
                Result r = sync(d, rest, log);
                if (r.complete()) {
                    log.info("synced earlier run " + d + " to MLflow (" + r.sent() + " journal entries)");
                } else {
                    log.warn("earlier run " + d + " is not fully synced: " + r.problem());
                    return; // the server is gone again; the next run or `attnlab sync` will retry
                }
            } catch (Journal.BusyException e) {
                // still running in another process: it sends its own journal
            } catch (IOException | RuntimeException e) {
                log.warn("cannot sync earlier run " + d + ": " + e.getMessage());
            }
        }
    }
}
