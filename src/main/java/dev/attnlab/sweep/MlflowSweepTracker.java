package dev.attnlab.sweep;

import dev.attnlab.pipeline.RunLog;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sweep's parent run in MLflow. The parent sits in the same MLflow experiment as the trials
 * (MLflow nests child runs under a parent of the same experiment), carries the sweep spec as
 * params and artifact, the sweep's metric per trial (step = trial index), the trial table and the
 * best spec. It is found again on resume by its {@code attnlab.sweep_id} tag.
 */
public final class MlflowSweepTracker implements SweepTracker {

    public static final String SWEEP_ID_TAG = "attnlab.sweep_id";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String uri;
    private final String experimentName;
    private final MlflowClient client;
    private final OkHttpClient http;
    private final String authorization;
    private final RunLog log;
    private String experimentId;
    private String runId;
    private String artifactPath;

    MlflowSweepTracker(String uri, String experimentName, Map<String, String> env, RunLog log) {
        this.uri = uri.replaceAll("/+$", "");
        this.experimentName = experimentName;
        this.log = log;
        String token = env.get("MLFLOW_TRACKING_TOKEN");
        String user = env.get("MLFLOW_TRACKING_USERNAME");
        String password = env.get("MLFLOW_TRACKING_PASSWORD");
        BasicMlflowHostCreds creds = token != null && !token.isBlank() ? new BasicMlflowHostCreds(this.uri, token)
                : user != null && !user.isBlank() ? new BasicMlflowHostCreds(this.uri, user, password == null ? "" : password)
                : new BasicMlflowHostCreds(this.uri);
        this.client = new MlflowClient(creds);
        this.authorization = token != null && !token.isBlank() ? "Bearer " + token
                : user != null && !user.isBlank() ? Credentials.basic(user, password == null ? "" : password) : null;
        this.http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5)).readTimeout(TIMEOUT)
                .writeTimeout(TIMEOUT).build();
    }

    /**
     * The tracker for {@code MLFLOW_TRACKING_URI} (default {@code http://127.0.0.1:5000}, where
     * {@code make mlflow-up} starts the project's server).
     */
    public static MlflowSweepTracker fromEnvironment(String experimentName, Map<String, String> env, RunLog log) {
        String uri = env.getOrDefault("MLFLOW_TRACKING_URI", "");
        return new MlflowSweepTracker(uri.isBlank() ? "http://127.0.0.1:5000" : uri, experimentName, env, log);
    }

    public String runId() {
        return runId;
    }

    MlflowClient client() {
        return client;
    }

    @Override
    public String openParent(SweepSpec spec, String sweepId, String knownRunId) throws Exception {
        checkHealth();
        experimentId = client.getExperimentByName(experimentName).map(Service.Experiment::getExperimentId)
                .orElseGet(() -> client.createExperiment(experimentName));
        Optional<Service.RunInfo> existing = find(sweepId, knownRunId);
        Service.RunInfo info;
        if (existing.isPresent()) {
            info = existing.get();
            client.sendPost("runs/update", "{\"run_id\": \"" + info.getRunId() + "\", \"status\": \"RUNNING\"}");
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
            info = client.createRun(create.build());
            runId = info.getRunId();
            List<Service.Param> params = params(spec).entrySet().stream()
                    .map(e -> Service.Param.newBuilder().setKey(e.getKey()).setValue(e.getValue()).build()).toList();
            client.logBatch(runId, List.of(), params, List.of());
            log.info("sweep " + spec.name() + ": MLflow parent run " + runId + " in experiment '" + experimentName + "'");
        }
        runId = info.getRunId();
        artifactPath = artifactPath(info.getArtifactUri());
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
                Service.Run run = client.getRun(knownRunId);
                boolean ours = run.getData().getTagsList().stream()
                        .anyMatch(t -> t.getKey().equals(SWEEP_ID_TAG) && t.getValue().equals(sweepId));
                if (ours && run.getInfo().getLifecycleStage().equals("active")) {
                    return Optional.of(run.getInfo());
                }
            } catch (RuntimeException e) {
                // deleted or on another server: search by tag below
            }
        }
        return client.searchRuns(List.of(experimentId), "tags.`" + SWEEP_ID_TAG + "` = '" + sweepId + "'")
                .stream().findFirst();
    }

    /** A trial's own run, opened by the trial process with our tags. */
    Optional<Service.RunInfo> childRun(Map<String, String> trialTags) {
        String filter = "tags.`" + SWEEP_ID_TAG + "` = '" + trialTags.get(SWEEP_ID_TAG) + "' and tags.`attnlab.trial` = '"
                + trialTags.get("attnlab.trial") + "' and tags.`attnlab.trial_attempt` = '" + trialTags.get("attnlab.trial_attempt") + "'";
        return client.searchRuns(List.of(experimentId), filter).stream().findFirst();
    }

    @Override
    public void trialEnded(SweepSpec spec, SweepState.Trial trial, Map<String, String> trialTags) {
        if (runId == null) {
            return;
        }
        try {
            if (trial.status == TrialStatus.FINISHED && trial.metric != null) {
                client.logMetric(runId, spec.metric().name(), trial.metric, System.currentTimeMillis(), trial.index);
            }
            if (trial.status == TrialStatus.KILLED) {
                Optional<Service.RunInfo> child = childRun(trialTags);
                if (child.isPresent()) {
                    client.setTag(child.get().getRunId(), "attnlab.killed_reason", trial.message);
                    client.setTerminated(child.get().getRunId(), Service.RunStatus.KILLED);
                } else {
                    log.warn(trial.name + ": no MLflow run of this trial found to mark KILLED");
                }
            }
        } catch (RuntimeException e) {
            log.warn("MLflow: recording " + trial.name + " on the sweep's parent run failed: " + e.getMessage());
        }
    }

    @Override
    public void setTag(String key, String value) {
        if (runId != null) {
            try {
                client.setTag(runId, key, value);
            } catch (RuntimeException e) {
                log.warn("MLflow: tag " + key + " on the sweep's parent run failed: " + e.getMessage());
            }
        }
    }

    @Override
    public void logArtifact(Path file, String artifactDir) {
        if (runId == null || artifactPath == null) {
            return;
        }
        String rel = (artifactDir.isEmpty() ? "" : artifactDir + "/") + file.getFileName();
        StringBuilder url = new StringBuilder(uri).append("/api/2.0/mlflow-artifacts/artifacts/");
        for (String part : (artifactPath + "/" + rel).split("/")) {
            if (!part.isEmpty()) {
                url.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20")).append('/');
            }
        }
        url.setLength(url.length() - 1);
        Request.Builder req = new Request.Builder().url(url.toString())
                .put(RequestBody.create(file.toFile(), MediaType.parse("application/octet-stream")));
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        try (Response r = http.newCall(req.build()).execute()) {
            if (!r.isSuccessful()) {
                log.warn("MLflow: uploading " + rel + " to the sweep's parent run failed: HTTP " + r.code());
            }
        } catch (IOException e) {
            log.warn("MLflow: uploading " + rel + " to the sweep's parent run failed: " + e.getMessage());
        }
    }

    @Override
    public void close(boolean sweepComplete) {
        if (runId != null) {
            try {
                client.setTerminated(runId, sweepComplete ? Service.RunStatus.FINISHED : Service.RunStatus.FAILED);
            } catch (RuntimeException e) {
                log.warn("MLflow: ending the sweep's parent run failed: " + e.getMessage());
            }
        }
        client.close();
    }

    private void checkHealth() throws IOException {
        Request.Builder req = new Request.Builder().url(uri + "/health");
        try (Response r = http.newBuilder().readTimeout(Duration.ofSeconds(5)).build().newCall(req.build()).execute()) {
            if (!r.isSuccessful()) {
                throw new IOException("MLflow at " + uri + " answered /health with HTTP " + r.code());
            }
        } catch (IOException e) {
            throw new IOException("MLflow at " + uri + " is not reachable (" + e.getMessage()
                    + "); start it with 'make mlflow-up' or set MLFLOW_TRACKING_URI", e);
        }
    }

    /** {@code mlflow-artifacts:/1/RUN/artifacts} → {@code 1/RUN/artifacts}; null for stores the server does not proxy. */
    static String artifactPath(String artifactUri) {
        String prefix = "mlflow-artifacts:";
        if (!artifactUri.startsWith(prefix)) {
            return null;
        }
        String rest = artifactUri.substring(prefix.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        return rest.replaceAll("^/+", "");
    }
}
