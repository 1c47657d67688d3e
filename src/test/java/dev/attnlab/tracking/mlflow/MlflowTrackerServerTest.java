package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunTag;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the real server `make test` starts (MLFLOW_TRACKING_URI). */
class MlflowTrackerServerTest {
    private static String uri;

    @BeforeAll
    static void server() {
        uri = MlflowServers.sharedUri();
    }

    private static Journal.RunRef runOf(Path runDir) throws Exception {
        try (Journal j = Journal.open(runDir)) {
            return j.runRef().orElseThrow(() -> new AssertionError("no MLflow run recorded in " + runDir));
        }
    }

    @Test
    void paramsTagsAnd5000MetricsArriveCompleteAndInOrder(@TempDir Path runDir) throws Exception {
        String experiment = "attnlab-test-" + UUID.randomUUID();
        Tracker t = new MlflowBackend(MlflowServers.env(uri), MlflowServers.FAST).open(
                MlflowServers.spec("spec-a", experiment, null, Map.of()), runDir,
                Map.of("attnlab.spec_hash", "abc123", "git.commit", "deadbeef", "mlflow.runName", "run-x"), RunLog.STDERR);
        Map<String, String> params = Map.of("model.d_model", "128", "train.lr", "0.001",
                "interpret.prompts", "[\"a b\",\"c\"]");
        t.logParams(params);
        t.logParams(params); // the same again (a tee, a resumed stage): harmless
        String longValue = "x".repeat(7000);
        t.logParams(Map.of("extra.long", longValue, "extra.short", "1"));
        t.setTag("stage.train.cache", "miss");
        for (int step = 0; step < 5000; step++) {
            t.logMetric("train/loss", 10.0 / (step + 1), step);
            if (step % 100 == 0) {
                t.logMetric("val/loss", 20.0 / (step + 1), step);
            }
        }
        t.setTag(RunStatus.RUNNER_TAG, "completed"); // what the runner sets before closing
        t.close();

        Journal.RunRef ref = runOf(runDir);
        try (MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(uri)))) {
            Run run = rest.getRun(ref.runId());
            assertEquals("FINISHED", run.getInfo().getStatus().name());
            assertEquals("run-x", run.getInfo().getRunName());
            Map<String, String> logged = run.getData().getParamsList().stream()
                    .collect(Collectors.toMap(Param::getKey, Param::getValue));
            assertEquals("128", logged.get("model.d_model"));
            assertEquals("0.001", logged.get("train.lr"));
            assertEquals("[\"a b\",\"c\"]", logged.get("interpret.prompts"));
            assertEquals("1", logged.get("extra.short"));
            String cut = logged.get("extra.long");
            assertEquals(6000, cut.length());
            assertTrue(cut.endsWith("...[truncated 7000 chars]"), cut.substring(5950));
            Map<String, String> tags = run.getData().getTagsList().stream()
                    .collect(Collectors.toMap(RunTag::getKey, RunTag::getValue));
            assertEquals("abc123", tags.get("attnlab.spec_hash"));
            assertEquals("deadbeef", tags.get("git.commit"));
            assertEquals("miss", tags.get("stage.train.cache"));
            assertEquals("completed", tags.get(RunStatus.RUNNER_TAG));

            List<Metric> loss = rest.metricHistory(ref.runId(), "train/loss");
            assertEquals(5000, loss.size());
            for (int i = 0; i < 5000; i++) {
                assertEquals(i, loss.get(i).getStep(), "train/loss point " + i + " out of order");
                assertEquals(10.0 / (i + 1), loss.get(i).getValue(), 0.0);
            }
            assertEquals(50, rest.metricHistory(ref.runId(), "val/loss").size());
            List<String> system = run.getData().getMetricsList().stream().map(Metric::getKey)
                    .filter(k -> k.startsWith("system/")).toList();
            assertTrue(system.contains("system/jvm_heap_used_megabytes"), "system metrics: " + system);
            assertTrue(system.contains("system/gc_pause_count"), "system metrics: " + system);
            assertTrue(system.contains("system/jvm_allocated_megabytes_total"), "system metrics: " + system);
            assertFalse(Journal.hasUnacked(runDir), "everything acknowledged");
        }
    }

    @Test
    void artifactsDownloadByteIdenticalEvenAfterTheirFolderMoves(@TempDir Path tmp) throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Path stageOut = Files.createDirectories(tmp.resolve("stage-tmp"));
        byte[] binary = new byte[300_000];
        new Random(7).nextBytes(binary);
        Files.write(stageOut.resolve("model.safetensors"), binary);
        Path viewer = Files.createDirectories(stageOut.resolve("viewer/js"));
        Files.writeString(stageOut.resolve("viewer/index.html"), "<html><body>heads</body></html>");
        Files.writeString(viewer.resolve("app.js"), "console.log('ü');");
        Path specFile = tmp.resolve("quick.yaml");
        Files.writeString(specFile, "name: quick\n");

        Tracker t = new MlflowBackend(MlflowServers.env(uri), MlflowServers.FAST).open(
                MlflowServers.spec("quick", "attnlab-test-" + UUID.randomUUID(), specFile, Map.of("seed", 1)),
                runDir, Map.of(), RunLog.STDERR);
        t.logArtifact(specFile, "spec");
        t.logArtifact(stageOut.resolve("model.safetensors"), "train/model");
        t.logArtifact(stageOut.resolve("viewer"), "interpret");
        // the runner renames a stage's temp dir into the cache right after the stage
        Files.move(stageOut, tmp.resolve("cache-entry"));
        t.close();

        Journal.RunRef ref = runOf(runDir);
        try (MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(MlflowServers.env(uri)))) {
            assertArrayEquals(binary, rest.downloadArtifact(ref.artifactUri(), "train/model/model.safetensors"));
            assertEquals("<html><body>heads</body></html>",
                    new String(rest.downloadArtifact(ref.artifactUri(), "interpret/viewer/index.html"), "UTF-8"));
            assertEquals("console.log('ü');",
                    new String(rest.downloadArtifact(ref.artifactUri(), "interpret/viewer/js/app.js"), "UTF-8"));
            assertEquals("name: quick\n", new String(rest.downloadArtifact(ref.artifactUri(), "spec/quick.yaml"), "UTF-8"));
        }
        try (var staged = Files.list(runDir.resolve("mlflow/staged"))) {
            assertEquals(0, staged.count(), "staged copies are removed once uploaded");
        }
    }
}
