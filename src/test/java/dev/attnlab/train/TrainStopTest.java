package dev.attnlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.sweep.TrialEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C / SIGTERM on {@code attnlab run} during training: the runner's shutdown hook asks the train
 * stage to stop, which checkpoints the step in progress, and only then ends the run, so that step's
 * metrics and the stop are still recorded.
 */
class TrainStopTest {

    private static final String SPEC = """
            name: stoppable
            data:
              source: synthetic
              synthetic: {vocab: 50, train_sequences: 200, val_sequences: 20, test_sequences: 20}
            tokenizer:
              kind: none
            model: {n_layers: 1, d_model: 16, n_heads: 2, n_ctx: 16}
            train:
              lr: 1.0e-3
              steps: 1000000
              checkpoint_every: 0
              eval_every: 0
              resume: latest
            tracking:
              backend: none
            """;

    /** The same run, tracked by the MLflow server `make test` started, in experiment {@code experiment}. */
    private static String mlflowSpec(String experiment) {
        return SPEC.replace("  backend: none", "  backend: mlflow\n  experiment: " + experiment);
    }

    /** Starts {@code attnlab run} on the spec, SIGTERMs it 2 s into training and returns its stderr. */
    private static String runAndStop(Path project, Map<String, String> env) throws Exception {
        return runAndStop(project, env, SPEC);
    }

    private static String runAndStop(Path project, Map<String, String> env, String specText) throws Exception {
        Files.createDirectories(project.resolve("pipelines"));
        Files.copy(Path.of("pipelines/language-model.yaml"), project.resolve("pipelines/language-model.yaml"));
        Path spec = Files.createDirectories(project.resolve("experiments")).resolve("stoppable.yaml");
        Files.writeString(spec, specText);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path err = project.resolve("child.err");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.attnlab.cli.Main",
                "run", spec.toString(), "--project-dir", project.toString())
                .redirectError(err.toFile()).redirectOutput(project.resolve("child.out").toFile());
        pb.environment().remove("ATTNLAB_CACHE");
        pb.environment().remove("ATTNLAB_RUNS");
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(err).contains("train: started (1000000 steps)")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "training did not start: " + Files.readString(err));
            Thread.sleep(100);
        }
        Thread.sleep(2000);
        p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the run exited");
        return Files.readString(err);
    }

    private static Path stateDir(Path project) throws Exception {
        try (Stream<Path> s = Files.list(project.resolve(".attnlab/cache/state/train"))) {
            return s.findFirst().orElseThrow();
        }
    }

    @Test
    void aSweepTrialEndedBySigtermLeavesNoCheckpointToResume(@TempDir Path project) throws Exception {
        String err = runAndStop(project, Map.of(TrialEnvironment.METRIC_REPORT, project.resolve("report.jsonl").toString()));
        assertEquals(List.of(), new Checkpoints(stateDir(project).resolve("checkpoints")).complete(),
                "hyperband's SIGTERM is final: no checkpoint to fill the cache\n" + err);
    }

    @Test
    void sigtermCheckpointsTheStepInProgressBeforeTheRunEnds(@TempDir Path project) throws Exception {
        String err = runAndStop(project, Map.of());
        Path state = stateDir(project);
        // no periodic checkpoints (checkpoint_every: 0): the only one is the stop's
        List<Path> kept = new Checkpoints(state.resolve("checkpoints")).complete();
        assertEquals(1, kept.size(), kept + "; child stderr:\n" + err);
        long step = Long.parseLong(kept.get(0).getFileName().toString().substring("step-".length()));
        assertTrue(step > 0 && step < 1_000_000, "stopped at step " + step);

        Path runDir;
        try (Stream<Path> s = Files.list(project.resolve("runs/stoppable"))) {
            runDir = s.findFirst().orElseThrow();
        }
        JsonNode manifest = new ObjectMapper().readTree(runDir.resolve("manifest.json").toFile());
        assertEquals("interrupted", manifest.path("status").asText());
        assertTrue(manifest.path("error").asText().contains("training stopped at step " + step), manifest.toString());
        assertTrue(Files.readString(runDir.resolve("run.log")).contains("train: stopped at step " + step),
                "the stop is in run.log, which the run had not closed yet");
        String lastLoss = "\"key\":\"train/loss\"";
        boolean tracked = Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .anyMatch(l -> l.replace(" ", "").contains(lastLoss) && l.replace(" ", "").contains("\"step\":" + step + "}")
                        || l.replace(" ", "").contains(lastLoss) && l.replace(" ", "").contains("\"step\":" + step + ","));
        assertTrue(tracked, "the stopped step's train/loss reached the run's tracker");
    }

    /**
     * With MLflow tracking the stopped step's metrics reach the server too, and the run ends KILLED.
     * The MLflow tracker used to close itself from its own shutdown hook, racing the runner's: it
     * ended the run before the stage had logged its last step.
     */
    @Test
    void withMlflowTheStoppedStepReachesTheServerAndTheRunEndsKilled(@TempDir Path project) throws Exception {
        String uri = System.getenv("MLFLOW_TRACKING_URI");
        if (uri == null || uri.isBlank()) {
            // `make test` (and so CI) always starts a server and sets it
            assertTrue(System.getenv().getOrDefault("CI", "").isBlank(), "CI: MLFLOW_TRACKING_URI is not set");
            Assumptions.abort("MLFLOW_TRACKING_URI not set: no MLflow server to test against");
        }
        String experiment = "attnlab-trainstop-" + UUID.randomUUID();
        String err = runAndStop(project, Map.of("MLFLOW_TRACKING_URI", uri), mlflowSpec(experiment));
        List<Path> kept = new Checkpoints(stateDir(project).resolve("checkpoints")).complete();
        assertEquals(1, kept.size(), kept + "; child stderr:\n" + err);
        long step = Long.parseLong(kept.get(0).getFileName().toString().substring("step-".length()));

        MlflowClient client = new MlflowClient(uri);
        String experimentId = client.getExperimentByName(experiment).orElseThrow().getExperimentId();
        List<Service.RunInfo> runs = client.listRunInfos(experimentId);
        assertEquals(1, runs.size(), "one run: " + runs);
        Service.RunInfo run = runs.get(0);
        assertEquals(Service.RunStatus.KILLED, run.getStatus(), err);
        List<Service.Metric> loss = client.getMetricHistory(run.getRunId(), "train/loss");
        assertTrue(loss.stream().anyMatch(m -> m.getStep() == step),
                "train/loss of the stopped step " + step + " is on the server (last there: "
                        + loss.stream().mapToLong(Service.Metric::getStep).max().orElse(-1) + ")\n" + err);
        assertEquals("interrupted", client.getRun(run.getRunId()).getData().getTagsList().stream()
                .filter(t -> t.getKey().equals("run.status")).findFirst().orElseThrow().getValue());
    }
}
