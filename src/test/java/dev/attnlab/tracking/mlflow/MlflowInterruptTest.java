package dev.attnlab.tracking.mlflow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.Metric;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ctrl-C / SIGTERM: the shutdown hook flushes what was logged and ends the run KILLED. */
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
}
