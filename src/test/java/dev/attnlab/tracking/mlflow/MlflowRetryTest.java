package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.RunInfo;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A proxy in front of the real server delays the answer to the first run creation past the
 * client's read timeout: the server made the run, the client never heard. The retry must find
 * that run instead of making a second one.
 */
class MlflowRetryTest {

    @Test
    void aTimedOutRunCreationIsNotRepeatedIntoASecondRun(@TempDir Path runDir) throws Exception {
        String upstream = MlflowServers.sharedUri();
        AtomicInteger creates = new AtomicInteger();
        DelayingProxy proxy = new DelayingProxy(upstream,
                // past the client's 1 s read timeout, for the first run creation only
                ex -> ex.getRequestURI().getPath().endsWith("/runs/create") && creates.incrementAndGet() == 1 ? 2500 : 0);
        String experiment = "attnlab-retry-" + UUID.randomUUID();
        try {
            MlflowSettings slow = MlflowSettings.fromEnv(MlflowServers.env(proxy.uri()))
                    .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));
            Journal journal = Journal.open(runDir);
            com.fasterxml.jackson.databind.node.ObjectNode create = Journal.JSON.createObjectNode();
            String clientId = UUID.randomUUID().toString();
            create.put("experiment", experiment);
            create.put("client_run_id", clientId);
            create.put("run_name", "retry");
            create.put("start_time", System.currentTimeMillis());
            create.putObject("tags");
            journal.append("create_run", create);
            MlflowRest rest = new MlflowRest(slow, 50);
            Tracker t = new MlflowTracker(journal, new JournalSender(journal, rest, RunLog.STDERR), rest, RunLog.STDERR,
                    MlflowServers.FAST);
            ((MlflowTracker) t).start();
            t.logMetric("m", 1, 0);
            t.close();

            assertEquals(1, creates.get(), "one POST runs/create: the retry found the run by its client id instead of posting again");
            try (MlflowRest direct = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(upstream)))) {
                String expId = direct.experimentId(experiment);
                Optional<RunInfo> run = direct.findRunByTag(expId, JournalSender.CLIENT_ID_TAG, clientId);
                assertTrue(run.isPresent());
                assertEquals(1, direct.metricHistory(run.get().getRunId(), "m").size());
                assertEquals(1, countRuns(upstream, expId), "exactly one run although creation was retried");
            }
        } finally {
            proxy.close();
        }
    }

    @Test
    void aRunClosedWhileTheServerIsStillTakingAnUploadJournalsItsEnd(@TempDir Path tmp) throws Exception {
        String upstream = MlflowServers.sharedUri();
        Path runDir = Files.createDirectories(tmp.resolve("runs/slow-close/1"));
        Path file = Files.writeString(tmp.resolve("big.txt"), "x".repeat(1000));
        // close() waits 0.5 s for the sender, which is held 4 s by the artifact upload
        MlflowTracker.Options shortClose = new MlflowTracker.Options(Duration.ofMillis(200), Duration.ofSeconds(60),
                Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(60));
        try (DelayingProxy proxy = new DelayingProxy(upstream,
                ex -> ex.getRequestURI().getPath().contains("/mlflow-artifacts/") ? 4000 : 0)) {
            Tracker t = new MlflowBackend(MlflowServers.env(proxy.uri()), shortClose).open(
                    MlflowServers.spec("slow-close", "attnlab-slow-close-" + UUID.randomUUID(), null, Map.of()),
                    runDir, Map.of(), RunLog.STDERR);
            t.logArtifact(file, "out");
            Thread.sleep(1000); // the sender is inside the upload now
            t.logMetric("m", 1, 0);
            t.close();
            assertFalse(Journal.isUnended(runDir), "the end is journaled although the sender was still busy");
        }
        // what the sender could not send is in the journal: a sync finishes the run FINISHED, not KILLED
        try (MlflowRest direct = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(upstream)))) {
            assertTrue(MlflowSync.sync(runDir, direct, RunLog.STDERR).complete());
            String runId;
            try (Journal j = Journal.open(runDir)) {
                runId = j.runRef().orElseThrow().runId();
            }
            assertEquals("FINISHED", direct.getRun(runId).getInfo().getStatus().name());
            assertEquals(1, direct.metricHistory(runId, "m").size());
        }
    }

    private static int countRuns(String uri, String experimentId) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(uri + "/api/2.0/mlflow/runs/search").toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream o = c.getOutputStream()) {
            o.write(("{\"experiment_ids\":[\"" + experimentId + "\"]}").getBytes());
        }
        try (InputStream in = c.getInputStream()) {
            return Journal.JSON.readTree(in).path("runs").size();
        }
    }
}
