package dev.attnlab.sweep;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a real MLflow server ({@code MLFLOW_TRACKING_URI}; skipped without one): one parent run
 * holding the sweep spec, each trial a child run with {@code mlflow.parentRunId}, hyperband-stopped
 * trials KILLED with their reason, a diverged trial tagged with how it diverged (and the sweep still
 * FINISHED), and a resumed sweep finding its parent by tag.
 */
class SweepMlflowTest {

    @TempDir
    Path dir;

    private static final String DIVERGING = "trial-0001";

    /**
     * Opens each trial's run as the runner does: with the sweep's tags, in the sweep's experiment.
     * {@link #DIVERGING} diverges before it reports.
     */
    private static TrialRunner mlflowTrials(MlflowClient client, String experimentId) {
        return (request, listener) -> {
            Service.CreateRun.Builder create = Service.CreateRun.newBuilder().setExperimentId(experimentId)
                    .setRunName((String) request.overrides().get("tracking.run_name"));
            request.tags().forEach((k, v) -> create.addTags(Service.RunTag.newBuilder().setKey(k).setValue(v)));
            String runId = client.createRun(create.build()).getRunId();
            client.logParam(runId, "train.lr", String.valueOf(request.overrides().get("train.lr")));
            double[] curve = ScriptedTrials.lrCurve(request.overrides(), 4);
            for (int i = 0; i < curve.length; i++) {
                client.logMetric(runId, "val/loss", curve[i], System.currentTimeMillis(), (i + 1) * 100L);
                if (request.trialName().equals(DIVERGING)) {
                    client.setTerminated(runId, Service.RunStatus.FAILED); // what a diverged run leaves
                    return new TrialRunner.Result(TrialStatus.DIVERGED, "train/loss became NaN at step 150");
                }
                if (!listener.metric("val/loss", curve[i], (i + 1) * 100L)) {
                    client.setTerminated(runId, Service.RunStatus.FAILED); // what a SIGTERMed trial would leave
                    return new TrialRunner.Result(TrialStatus.KILLED, null);
                }
            }
            client.setTerminated(runId, Service.RunStatus.FINISHED);
            return TrialRunner.Result.finished();
        };
    }

    /** The server's artifact listing (the Java client's own listing shells out to Python). */
    private static Set<String> listArtifacts(String uri, String artifactUri) throws Exception {
        String path = artifactUri.substring("mlflow-artifacts:".length()).replaceAll("^/+", "");
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri + "/api/2.0/mlflow-artifacts/artifacts?path="
                        + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Set<String> out = new java.util.TreeSet<>();
        SweepStore.JSON.readTree(r.body()).path("files").forEach(f -> out.add(f.path("path").asText()));
        return out;
    }

    @Test
    void parentAndChildRunsOnARealServer() throws Exception {
        String uri = System.getenv("MLFLOW_TRACKING_URI");
        Assumptions.assumeTrue(uri != null && !uri.isBlank(), "MLFLOW_TRACKING_URI not set: no MLflow server to test against");
        String experiment = "sweep-test-" + UUID.randomUUID();
        SweepSpec spec = SweepFixtures.load(dir, "mlsweep", """
                method: random
                count: 6
                seed: 2
                early_terminate: {type: hyperband, min_iter: 1, eta: 2}
                parameters:
                  train.lr: {min: 1.0e-6, max: 1.0, distribution: log_uniform_values}
                """);
        Path sweeps = dir.resolve("runs/sweeps");
        MlflowSweepTracker tracker = MlflowSweepTracker.fromEnvironment(experiment, System.getenv(), RunLog.STDERR);
        MlflowClient client = new MlflowClient(uri);
        String experimentId = client.getExperimentByName(experiment).map(Service.Experiment::getExperimentId)
                .orElseGet(() -> client.createExperiment(experiment));
        Map<String, Object> fixed = Map.of("tracking.experiment", experiment);
        SweepState state = new SweepExecutor(spec, new SweepStore(sweeps.resolve("mlsweep")), mlflowTrials(client, experimentId),
                tracker, fixed, 2, Progress.NONE, RunLog.STDERR).run(false);
        String parentId = state.parentRunId;

        Service.Run parent = client.getRun(parentId);
        Map<String, String> ptags = parent.getData().getTagsList().stream()
                .collect(Collectors.toMap(Service.RunTag::getKey, Service.RunTag::getValue));
        assertEquals(state.sweepId, ptags.get(MlflowSweepTracker.SWEEP_ID_TAG));
        assertEquals(SweepReport.best(spec, state).orElseThrow().name, ptags.get("attnlab.best_trial"));
        Map<String, String> params = parent.getData().getParamsList().stream()
                .collect(Collectors.toMap(Service.Param::getKey, Service.Param::getValue));
        assertEquals("random", params.get("sweep.method"));
        assertEquals("log_uniform_values[1.0E-6, 1.0]", params.get("sweep.parameters.train.lr"));
        assertEquals(Service.RunStatus.FINISHED, parent.getInfo().getStatus());
        Set<String> artifacts = listArtifacts(uri, parent.getInfo().getArtifactUri());
        assertTrue(artifacts.containsAll(Set.of("mlsweep.yaml", "trials.csv", "trials.md", "best.yaml")), artifacts.toString());
        String best = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                uri + "/api/2.0/mlflow-artifacts/artifacts/" + parent.getInfo().getArtifactUri().substring("mlflow-artifacts:/".length())
                        + "/best.yaml")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertEquals(java.nio.file.Files.readString(sweeps.resolve("mlsweep/best.yaml")), best);
        List<Service.Metric> perTrial = client.getMetricHistory(parentId, "val/loss");
        assertEquals(state.trials.stream().filter(t -> t.status == TrialStatus.FINISHED).count(), perTrial.size());
        List<Service.Metric> bestSoFar = client.getMetricHistory(parentId, "best/val/loss").stream()
                .sorted(java.util.Comparator.comparingLong(Service.Metric::getStep)).toList();
        assertEquals(perTrial.size(), bestSoFar.get(bestSoFar.size() - 1).getStep(), "the last point is after every finished trial");
        assertEquals(SweepReport.best(spec, state).orElseThrow().metric, bestSoFar.get(bestSoFar.size() - 1).getValue(), 1e-12);
        for (int i = 1; i < bestSoFar.size(); i++) {
            assertTrue(bestSoFar.get(i).getValue() <= bestSoFar.get(i - 1).getValue(), "a best so far never gets worse");
        }
        assertEquals(SweepReport.best(spec, state).orElseThrow().metric, client.getRun(parentId).getData().getMetricsList().stream()
                .filter(m -> m.getKey().equals("best/val/loss")).findFirst().orElseThrow().getValue(), 1e-12,
                "the runs table (the latest value) shows the best trial");

        List<Service.RunInfo> children = client.searchRuns(List.of(experimentId), "tags.`mlflow.parentRunId` = '" + parentId + "'");
        assertEquals(6, children.size());
        long killed = 0;
        long diverged = 0;
        for (Service.RunInfo child : children) {
            Service.Run run = client.getRun(child.getRunId());
            Map<String, String> tags = run.getData().getTagsList().stream()
                    .collect(Collectors.toMap(Service.RunTag::getKey, Service.RunTag::getValue));
            SweepState.Trial trial = state.trial(tags.get("attnlab.trial"));
            if (trial.status == TrialStatus.KILLED) {
                killed++;
                assertEquals(Service.RunStatus.KILLED, child.getStatus(), trial.name);
                assertEquals(trial.message, tags.get("attnlab.killed_reason"));
                assertTrue(trial.message.startsWith("hyperband: "));
            } else if (trial.name.equals(DIVERGING)) {
                diverged++;
                assertEquals(TrialStatus.DIVERGED, trial.status);
                assertEquals(Service.RunStatus.FAILED, child.getStatus());
                assertEquals("train/loss became NaN at step 150", tags.get(MlflowSweepTracker.DIVERGED_TAG));
            } else {
                assertEquals(Service.RunStatus.FINISHED, child.getStatus());
            }
        }
        assertTrue(killed > 0, "hyperband stopped some of 6 trials over 6 decades of lr");
        assertEquals(1, diverged);

        // resume with a larger budget: the parent is found by its sweep-id tag, even without the saved id
        new SweepStore(sweeps.resolve("mlsweep")).transact(s -> {
            s.parentRunId = null;
            return s;
        });
        MlflowSweepTracker again = MlflowSweepTracker.fromEnvironment(experiment, System.getenv(), RunLog.STDERR);
        SweepState more = new SweepExecutor(spec.withOverrides(8, 0), new SweepStore(sweeps.resolve("mlsweep")),
                mlflowTrials(client, experimentId), again, fixed, 2, Progress.NONE, RunLog.STDERR).run(true);
        assertEquals(parentId, more.parentRunId);
        assertEquals(8, client.searchRuns(List.of(experimentId), "tags.`mlflow.parentRunId` = '" + parentId + "'").size());
        List<Service.RunInfo> parents = client.searchRuns(List.of(experimentId), "tags.`attnlab.role` = 'sweep'");
        assertEquals(1, parents.size(), "one parent run, not a second one on resume");
        assertFalse(more.trials.stream().anyMatch(t -> t.attempts > 1), "no trial ran twice");
    }
}
