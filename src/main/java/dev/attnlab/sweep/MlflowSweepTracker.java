package dev.attnlab.sweep;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.mlflow.MlflowRest;
import dev.attnlab.tracking.mlflow.MlflowSettings;
import org.mlflow.api.proto.Service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sweep's parent run in MLflow, over the tracking package's {@link MlflowRest} (timeouts,
 * credentials, retries only where safe). The parent sits in the same MLflow experiment as the
 * trials (MLflow nests child runs under a parent of the same experiment) and carries the sweep
 * spec as params and artifact, the sweep's metric per trial (step = trial index), the trial table
 * and the best spec. It is found again on resume by its {@code attnlab.sweep_id} tag.
 */
public final class MlflowSweepTracker implements SweepTracker {

    public static final String SWEEP_ID_TAG = "attnlab.sweep_id";
    /** The parent's best-so-far metric: {@code best/val/loss}. */
    public static final String BEST_PREFIX = "best/";
    /** On each trial's run: sweep id / trial / attempt, so the sweep can find that run again. */
    public static final String TRIAL_KEY_TAG = "attnlab.trial_key";
    /** On a diverged trial's run (which ended FAILED): how it diverged. */
    public static final String DIVERGED_TAG = "attnlab.diverged";

    private final MlflowRest rest;
    private final String experimentName;
    private final RunLog log;
    private String experimentId;
    private String runId;
    private String artifactUri;

    MlflowSweepTracker(MlflowRest rest, String experimentName, RunLog log) {
        this.rest = rest;
        this.experimentName = experimentName;
        this.log = log;
    }

    /** The tracker for the server of {@code MLFLOW_TRACKING_URI} (default {@value MlflowSettings#DEFAULT_URI}). */
    public static MlflowSweepTracker fromEnvironment(String experimentName, Map<String, String> env, RunLog log) {
        return new MlflowSweepTracker(new MlflowRest(MlflowSettings.fromEnv(env)), experimentName, log);
    }

    /** The tags that identify one attempt of a trial's run. */
    static String trialKey(String sweepId, String trial, int attempt) {
        return sweepId + "/" + trial + "/" + attempt;
    }

    @Override
    public String openParent(SweepSpec spec, String sweepId, String knownRunId) {
        if (!rest.healthy()) {
            throw new IllegalStateException("MLflow at " + rest.settings().safeUri()
                    + " is not reachable; start it with 'make mlflow-up' or set MLFLOW_TRACKING_URI");
        }
        experimentId = rest.experimentId(experimentName);
        Optional<Service.RunInfo> existing = find(sweepId, knownRunId);
        Service.RunInfo info;
        if (existing.isPresent()) {
            info = existing.get();
            // running again (MLflow's update sets an end time with the status; the final one replaces it)
            rest.endRun(info.getRunId(), Service.RunStatus.RUNNING, System.currentTimeMillis());
            log.info("sweep " + spec.name() + ": continuing MLflow parent run " + info.getRunId());
        } else {
            Service.CreateRun.Builder create = Service.CreateRun.newBuilder()
                    .setExperimentId(experimentId)
                    .setRunName("sweep-" + spec.name())
                    .setStartTime(System.currentTimeMillis());
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put(SWEEP_ID_TAG, sweepId);
            tags.put("attnlab.sweep", spec.name());
            tags.put("attnlab.role", "sweep");
            tags.put("mlflow.runName", "sweep-" + spec.name());
            tags.forEach((k, v) -> create.addTags(Service.RunTag.newBuilder().setKey(k).setValue(v)));
            // the sweep id doubles as the client id that makes a retried creation return the same run
            info = rest.createRunOnce(create.build(), SWEEP_ID_TAG, sweepId);
            List<Service.Param> params = params(spec).entrySet().stream()
                    .map(e -> Service.Param.newBuilder().setKey(e.getKey()).setValue(e.getValue()).build()).toList();
            rest.logBatch(info.getRunId(), List.of(), params, List.of());
            log.info("sweep " + spec.name() + ": MLflow parent run " + info.getRunId() + " in experiment '"
                    + experimentName + "' at " + rest.settings().safeUri());
        }
        runId = info.getRunId();
        artifactUri = info.getArtifactUri();
        logArtifact(spec.file(), "");
        return runId;
    }

    /** The sweep spec as flat params: method, metric, count, seed, parallel, and each parameter's domain. */
    static Map<String, String> params(SweepSpec spec) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sweep.method", spec.method().name().toLowerCase(Locale.ROOT));
        p.put("sweep.metric", spec.metric().name());
        p.put("sweep.goal", spec.metric().goal().name().toLowerCase(Locale.ROOT));
        p.put("sweep.count", Integer.toString(spec.count()));
        p.put("sweep.seed", Long.toString(spec.seed()));
        p.put("sweep.parallel", Integer.toString(spec.parallel()));
        p.put("sweep.experiment", spec.experiment().getFileName().toString());
        spec.earlyTerminate().ifPresent(h -> p.put("sweep.early_terminate", "hyperband min_iter=" + h.minIter() + " eta=" + h.eta()));
        for (Parameter param : spec.parameters()) {
            String domain = param instanceof Parameter.Choice c ? c.values().toString()
                    : ((Parameter.Range) param).distribution().yamlName + "[" + ((Parameter.Range) param).min()
                    + ", " + ((Parameter.Range) param).max() + "]";
            p.put("sweep.parameters." + param.path(), domain);
        }
        return p;
    }

    private Optional<Service.RunInfo> find(String sweepId, String knownRunId) {
        if (knownRunId != null) {
            try {
                Service.Run run = rest.getRun(knownRunId);
                boolean ours = run.getData().getTagsList().stream()
                        .anyMatch(t -> t.getKey().equals(SWEEP_ID_TAG) && t.getValue().equals(sweepId));
                if (ours && run.getInfo().getLifecycleStage().equals("active")) {
                    return Optional.of(run.getInfo());
                }
            } catch (RuntimeException e) {
                // deleted, or the state came from another server: search by tag below
            }
        }
        return rest.findRunByTag(experimentId, SWEEP_ID_TAG, sweepId);
    }

    @Override
    public void trialEnded(SweepSpec spec, SweepState.Trial trial, SweepState state, Map<String, String> trialTags) {
        if (runId == null) {
            return;
        }
        try {
            if (trial.status == TrialStatus.FINISHED && trial.metric != null) {
                long now = System.currentTimeMillis();
                List<Service.Metric> metrics = new ArrayList<>(List.of(Service.Metric.newBuilder()
                        .setKey(spec.metric().name()).setValue(trial.metric).setTimestamp(now).setStep(trial.index).build()));
                // without it the runs table shows the parent's last trial, not its best
                long finished = state.trials.stream().filter(t -> t.status == TrialStatus.FINISHED && t.metric != null).count();
                SweepReport.best(spec, state).ifPresent(b -> metrics.add(Service.Metric.newBuilder()
                        .setKey(BEST_PREFIX + spec.metric().name()).setValue(b.metric).setTimestamp(now).setStep(finished).build()));
                rest.logBatch(runId, metrics, List.of(), List.of());
            }
            if (trial.status == TrialStatus.KILLED || trial.status == TrialStatus.DIVERGED) {
                boolean killed = trial.status == TrialStatus.KILLED;
                Optional<Service.RunInfo> child = rest.findRunByTag(experimentId, TRIAL_KEY_TAG, trialTags.get(TRIAL_KEY_TAG));
                if (child.isPresent()) {
                    // a diverged trial's run ended FAILED by itself; the tag tells it from a crash
                    rest.logBatch(child.get().getRunId(), List.of(), List.of(), List.of(Service.RunTag.newBuilder()
                            .setKey(killed ? "attnlab.killed_reason" : DIVERGED_TAG).setValue(truncate(trial.message)).build()));
                    if (killed) {
                        rest.endRun(child.get().getRunId(), Service.RunStatus.KILLED, System.currentTimeMillis());
                    }
                } else {
                    log.warn(trial.name + ": no MLflow run of this trial found to mark " + trial.status.json());
                }
            }
        } catch (RuntimeException e) {
            log.warn("MLflow: recording " + trial.name + " on the sweep's runs failed: " + e.getMessage());
        }
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 5000 ? s.substring(0, 5000) : s;
    }

    @Override
    public void setTag(String key, String value) {
        if (runId == null) {
            return;
        }
        try {
            rest.logBatch(runId, List.of(), List.of(), List.of(Service.RunTag.newBuilder().setKey(key).setValue(value).build()));
        } catch (RuntimeException e) {
            log.warn("MLflow: tag " + key + " on the sweep's parent run failed: " + e.getMessage());
        }
    }

    @Override
    public void logArtifact(Path file, String artifactDir) {
        if (runId == null) {
            return;
        }
        String path = (artifactDir.isEmpty() ? "" : artifactDir + "/") + file.getFileName();
        try {
            rest.uploadArtifact(artifactUri, path, file);
        } catch (RuntimeException e) {
            log.warn("MLflow: uploading " + path + " to the sweep's parent run failed: " + e.getMessage());
        }
    }

    @Override
    public void close(boolean sweepComplete) {
        try {
            if (runId != null) {
                rest.endRun(runId, sweepComplete ? Service.RunStatus.FINISHED : Service.RunStatus.FAILED,
                        System.currentTimeMillis());
            }
        } catch (RuntimeException e) {
            log.warn("MLflow: ending the sweep's parent run failed: " + e.getMessage());
        } finally {
            rest.close();
        }
    }
}
