package dev.attnlab.tracking.mlflow;

import com.sun.net.httpserver.HttpServer;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.RunInfo;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.setExecutor(Executors.newCachedThreadPool());
        proxy.createContext("/", ex -> {
            HttpURLConnection up = (HttpURLConnection) URI.create(upstream + ex.getRequestURI()).toURL().openConnection();
            up.setRequestMethod(ex.getRequestMethod());
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                up.setRequestProperty("Content-Type", type);
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (body.length > 0) {
                up.setDoOutput(true);
                try (OutputStream o = up.getOutputStream()) {
                    o.write(body);
                }
            }
            int code = up.getResponseCode();
            byte[] answer;
            try (InputStream in = code < 400 ? up.getInputStream() : up.getErrorStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            if (ex.getRequestURI().getPath().endsWith("/runs/create") && creates.incrementAndGet() == 1) {
                try {
                    Thread.sleep(2500); // past the client's 1 s read timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                ex.sendResponseHeaders(code, answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    ex.getResponseBody().write(answer);
                }
            } catch (java.io.IOException gone) {
                // the client gave up on this one, as intended
            }
            ex.close();
        });
        proxy.start();
        String experiment = "attnlab-retry-" + UUID.randomUUID();
        try {
            MlflowSettings slow = MlflowSettings.fromEnv(MlflowServers.env("http://127.0.0.1:" + proxy.getAddress().getPort()))
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
            proxy.stop(0);
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
