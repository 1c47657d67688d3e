package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.Metric;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A private real MLflow server (own port, db, artifacts) that the tests kill and restart with
 * mlflow/start.sh and stop.sh.
 */
class MlflowFaultsTest {
    @TempDir
    static Path serverState;
    private static MlflowServers.PrivateServer server;

    @BeforeAll
    static void startServer() throws Exception {
        MlflowServers.sharedUri(); // same skip/fail policy as the other server tests
        server = new MlflowServers.PrivateServer(serverState, List.of(), Map.of());
        server.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private static MlflowRest rest() {
        return new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(server.uri())));
    }

    private static void assertEveryStepOnce(MlflowRest rest, String runId, String key, int n) {
        List<Metric> history = rest.metricHistory(runId, key);
        assertEquals(n, history.size(), key + " points on the server");
        long distinct = history.stream().mapToLong(Metric::getStep).distinct().count();
        assertEquals(n, distinct, "each step exactly once");
        for (Metric m : history) {
            assertEquals(1.0 / (m.getStep() + 1), m.getValue(), 0.0, "value of step " + m.getStep());
        }
    }

    private static Journal.RunRef runOf(Path runDir) throws Exception {
        try (Journal j = Journal.open(runDir)) {
            return j.runRef().orElseThrow();
        }
    }

    @Test
    void serverKilledMidRunThenSyncLeavesEveryMetricOnce(@TempDir Path runDir) throws Exception {
        Tracker t = new MlflowBackend(MlflowServers.env(server.uri()), MlflowServers.FAST).open(
                MlflowServers.spec("faults", "attnlab-faults-" + UUID.randomUUID(), null, Map.of()),
                runDir, Map.of(), RunLog.STDERR);
        for (int s = 0; s < 2500; s++) {
            t.logMetric("train/loss", 1.0 / (s + 1), s);
        }
        t.flush();
        server.stop(); // killed mid-run
        for (int s = 2500; s < 5000; s++) {
            t.logMetric("train/loss", 1.0 / (s + 1), s);
        }
        t.flush();
        t.close(); // still down: the rest stays journaled
        assertTrue(Journal.hasUnacked(runDir), "entries left for sync");

        server.start();
        try (MlflowRest rest = rest()) {
            MlflowSync.Result r = MlflowSync.sync(runDir, rest, RunLog.STDERR);
            assertTrue(r.complete(), "sync complete: " + r);
            assertTrue(r.sent() >= 3, "sent the offline batches and the run's end: " + r);
            String runId = runOf(runDir).runId();
            assertEveryStepOnce(rest, runId, "train/loss", 5000);
            assertEquals("FINISHED", rest.getRun(runId).getInfo().getStatus().name());

            MlflowSync.Result again = MlflowSync.sync(runDir, rest, RunLog.STDERR);
            assertEquals(0, again.sent(), "a second sync sends nothing");

            // A crash after the server took entries but before they were acknowledged: every
            // entry is sent a second time; the server must still hold each point once.
            Path acked = runDir.resolve("mlflow/acked.log");
            Files.writeString(acked, Files.readAllLines(acked).get(0) + "\n"); // keep only create_run's ack
            MlflowSync.Result replay = MlflowSync.sync(runDir, rest, RunLog.STDERR);
            assertTrue(replay.complete() && replay.sent() >= 6, "replayed everything: " + replay);
            assertEveryStepOnce(rest, runId, "train/loss", 5000);
        }
    }

    @Test
    void runCatchesUpByItselfWhenTheServerReturns(@TempDir Path runDir) throws Exception {
        Tracker t = new MlflowBackend(MlflowServers.env(server.uri()), MlflowServers.FAST).open(
                MlflowServers.spec("faults", "attnlab-faults-" + UUID.randomUUID(), null, Map.of()),
                runDir, Map.of(), RunLog.STDERR);
        for (int s = 0; s < 1000; s++) {
            t.logMetric("m", 1.0 / (s + 1), s);
        }
        t.flush();
        server.stop();
        for (int s = 1000; s < 2000; s++) {
            t.logMetric("m", 1.0 / (s + 1), s);
        }
        t.flush();
        server.start();
        for (int s = 2000; s < 3000; s++) {
            t.logMetric("m", 1.0 / (s + 1), s);
        }
        t.close();
        assertFalse(Journal.hasUnacked(runDir), "the live run sent everything after the server came back");
        try (MlflowRest rest = rest()) {
            assertEveryStepOnce(rest, runOf(runDir).runId(), "m", 3000);
        }
    }

    @Test
    void unreachableAtStartThenTheNextRunOfTheSpecSyncsIt(@TempDir Path runs) throws Exception {
        String experiment = "attnlab-faults-" + UUID.randomUUID();
        Path first = Files.createDirectories(runs.resolve("20260101-000000"));
        String deadUri = "http://127.0.0.1:" + MlflowServers.freePort();
        Tracker offline = new MlflowBackend(MlflowServers.env(deadUri), MlflowServers.FAST).open(
                MlflowServers.spec("catch-up", experiment, null, Map.of("seed", 3)), first,
                Map.of("git.commit", "abc"), RunLog.STDERR);
        for (int s = 0; s < 1500; s++) {
            offline.logMetric("train/loss", 1.0 / (s + 1), s);
        }
        offline.close();
        assertTrue(Journal.hasUnacked(first));

        Path second = Files.createDirectories(runs.resolve("20260101-000100"));
        Tracker next = new MlflowBackend(MlflowServers.env(server.uri()), MlflowServers.FAST).open(
                MlflowServers.spec("catch-up", experiment, null, Map.of("seed", 3)), second, Map.of(), RunLog.STDERR);
        next.logMetric("train/loss", 1.0, 0);
        next.close(); // waits for the catch-up of the earlier run
        assertFalse(Journal.hasUnacked(first), "the next run synced the earlier one");
        try (MlflowRest rest = rest()) {
            Journal.RunRef ref = runOf(first);
            assertEveryStepOnce(rest, ref.runId(), "train/loss", 1500);
            assertEquals("abc", rest.getRun(ref.runId()).getData().getTagsList().stream()
                    .filter(tag -> tag.getKey().equals("git.commit")).findFirst().orElseThrow().getValue());
        }
    }
}
