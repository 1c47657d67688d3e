package dev.attnlab.tracking.mlflow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import org.mlflow.api.proto.Service.Metric;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C / SIGTERM: closing the tracker from the owner's shutdown hook (as the runner does) flushes
 * what was logged and ends the run KILLED. SIGKILL:
 * nothing runs, and the next run of the spec ends the orphan KILLED.
 */
class MlflowInterruptTest {

    @Test
    void sigtermFlushesEverythingAndEndsTheRunKilled(@TempDir Path runDir) throws Exception {
        String uri = MlflowServers.sharedUri();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                InterruptedRun.class.getName(), runDir.toString(), uri)
                .redirectError(runDir.resolveSibling(runDir.getFileName() + ".err").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("READY", out.readLine(), "child started logging");
        }
        p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child exited");

        assertFalse(Journal.hasUnacked(runDir), "the hook sent everything before exit");
        long journaled = 0;
        for (String line : Files.readAllLines(runDir.resolve("mlflow/journal.jsonl"))) {
            for (var m : Journal.JSON.readTree(line).path("metrics")) {
                if (m.get(0).asText().equals("train/loss")) {
                    journaled++;
                }
            }
        }
        try (Journal j = Journal.open(runDir);
             MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(uri)))) {
            String runId = j.runRef().orElseThrow().runId();
            List<Metric> history = rest.metricHistory(runId, "train/loss");
            assertTrue(history.size() > 500, "points logged before the signal: " + history.size());
            assertEquals(journaled, history.size(), "every journaled point is on the server");
            for (int i = 0; i < history.size(); i++) {
                assertEquals(i, history.get(i).getStep());
            }
            assertEquals("KILLED", rest.getRun(runId).getInfo().getStatus().name());
        }
    }

    @Test
    void aRunKilledOutrightIsEndedKilledByTheNextRunOfItsSpec(@TempDir Path runs) throws Exception {
        String uri = MlflowServers.sharedUri();
        Path first = runs.resolve("20260101T000000Z");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                InterruptedRun.class.getName(), first.toString(), uri)
                .redirectError(runs.resolve("first.err").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("READY", out.readLine(), "child started logging");
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child exited");

        try (MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(uri)))) {
            String runId;
            try (Journal j = Journal.open(first)) {
                runId = j.runRef().orElseThrow().runId();
            }
            assertEquals("RUNNING", rest.getRun(runId).getInfo().getStatus().name(), "nobody ended it");
            long lastWritten = Files.getLastModifiedTime(first.resolve("mlflow/journal.jsonl")).toMillis();

            Tracker next = new MlflowBackend(MlflowServers.env(uri), MlflowServers.FAST).open(
                    MlflowServers.spec("interrupted", "attnlab-interrupt-next", null, Map.of()),
                    Files.createDirectories(runs.resolve("20260101T000100Z")), Map.of(), RunLog.STDERR);
            next.logMetric("train/loss", 1.0, 0);
            next.close(); // waits for the catch-up of the earlier run

            var info = rest.getRun(runId).getInfo();
            assertEquals("KILLED", info.getStatus().name());
            assertEquals(lastWritten, info.getEndTime(), "ended when its journal was last written");
            assertFalse(Journal.isUnended(first));
        }
    }
}
