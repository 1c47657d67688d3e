package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.mlflow.api.proto.Service.CreateExperiment;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.GetExperimentByName;
import org.mlflow.api.proto.Service.GetMetricHistory;
import org.mlflow.api.proto.Service.GetRun;
import org.mlflow.api.proto.Service.LogBatch;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.SearchRuns;
import org.mlflow.api.proto.Service.UpdateRun;
import org.mlflow_project.google.protobuf.InvalidProtocolBufferException;
import org.mlflow_project.google.protobuf.Message;
import org.mlflow_project.google.protobuf.MessageOrBuilder;
import org.mlflow_project.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * MLflow's REST API over OkHttp, speaking the MLflow Java client's protobuf message types.
 *
 * <p>Why not {@code org.mlflow.tracking.MlflowClient} itself: in 2.17.2 it builds its Apache
 * HttpClient with {@code HttpClientBuilder.create().build()} — no connect or socket timeout, so a
 * hung server hangs the caller forever — and the constructor that would take a configured client
 * is package-private. It also retries HTTP 429 on every call, including run creation. So the
 * calls are made here, with timeouts and retries only where repeating is harmless.
 */
public final class MlflowRest implements AutoCloseable {
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final MediaType OCTET = MediaType.get("application/octet-stream");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final int ATTEMPTS = 4;

    private final MlflowSettings settings;
    private final OkHttpClient http;
    private final long retryBaseMillis;

    public MlflowRest(MlflowSettings settings) {
        this(settings, 250);
    }

    MlflowRest(MlflowSettings settings, long retryBaseMillis) {
        this.settings = settings;
        this.retryBaseMillis = retryBaseMillis;
        String authorization = settings.authorization();
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .writeTimeout(settings.readTimeout().multipliedBy(4))
                .retryOnConnectionFailure(false); // retries are decided per call below
        if (authorization != null) {
            b.addInterceptor(chain -> chain.proceed(
                    chain.request().newBuilder().header("Authorization", authorization).build()));
        }
        this.http = b.build();
    }

    public MlflowSettings settings() {
        return settings;
    }

    /** Whether the server answers /health (one quick attempt, no retry). */
    public boolean healthy() {
        Request req = new Request.Builder().url(settings.base().newBuilder().addPathSegment("health").build()).build();
        try (Response r = http.newCall(req).execute()) {
            return r.isSuccessful();
        } catch (IOException e) {
            return false;
        }
    }

    public Optional<Experiment> experimentByName(String name) {
        HttpUrl url = api("mlflow/experiments/get-by-name").addQueryParameter("experiment_name", name).build();
        try {
            String body = call(new Request.Builder().url(url).get().build(), "GET experiments/get-by-name", true);
            return Optional.of(parse(body, GetExperimentByName.Response.newBuilder()).getExperiment());
        } catch (MlflowException e) {
            if ("RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The id of the experiment named {@code name}, created if missing (safe to repeat: names are unique). */
    public String experimentId(String name) {
        Optional<Experiment> found = experimentByName(name);
        if (found.isPresent()) {
            return found.get().getExperimentId();
        }
        try {
            String body = post("mlflow/experiments/create", CreateExperiment.newBuilder().setName(name).build(), true);
            return parse(body, CreateExperiment.Response.newBuilder()).getExperimentId();
        } catch (MlflowException e) {
            if ("RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) { // a concurrent or retried create won
                return experimentByName(name).orElseThrow(() -> e).getExperimentId();
            }
            throw e;
        }
    }

    /**
     * Creates a run at most once: the request carries a client-generated id as tag
     * {@code clientIdTag}; before any repeat, the experiment is searched for a run with that tag.
     */
    public RunInfo createRunOnce(CreateRun request, String clientIdTag, String clientId) {
        MlflowException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (attempt > 0) {
                sleepBackoff(attempt);
                Optional<RunInfo> existing = findRunByTag(request.getExperimentId(), clientIdTag, clientId);
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            try {
                String body = post("mlflow/runs/create", request, false);
                return parse(body, CreateRun.Response.newBuilder()).getRun().getInfo();
            } catch (MlflowException e) {
                if (e.kind() != MlflowException.Kind.UNAVAILABLE) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    public Optional<RunInfo> findRunByTag(String experimentId, String tagKey, String tagValue) {
        SearchRuns req = SearchRuns.newBuilder().addExperimentIds(experimentId)
                .setFilter("tags.`" + tagKey + "` = '" + tagValue.replace("'", "\\'") + "'")
                .setMaxResults(2).build();
        // search is a read: safe to repeat
        List<Run> runs = parse(post("mlflow/runs/search", req, true), SearchRuns.Response.newBuilder()).getRunsList();
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0).getInfo());
    }

    public Run getRun(String runId) {
        HttpUrl url = api("mlflow/runs/get").addQueryParameter("run_id", runId).build();
        return parse(call(new Request.Builder().url(url).get().build(), "GET runs/get", true),
                GetRun.Response.newBuilder()).getRun();
    }

    /**
     * Log-batch is safe to repeat: identical metrics (key, value, timestamp, step) are stored
     * once by the server, tags overwrite, and re-logging a param with the same value is accepted.
     */
    public void logBatch(String runId, List<Metric> metrics, List<Param> params, List<RunTag> tags) {
        LogBatch req = LogBatch.newBuilder().setRunId(runId)
                .addAllMetrics(metrics).addAllParams(params).addAllTags(tags).build();
        post("mlflow/runs/log-batch", req, true);
    }

    public void endRun(String runId, RunStatus status, long endTimeMillis) {
        post("mlflow/runs/update", UpdateRun.newBuilder().setRunId(runId).setStatus(status)
                .setEndTime(endTimeMillis).build(), true);
    }

    /** Every point of a metric, in the server's order (pages through max_results). */
    public List<Metric> metricHistory(String runId, String key) {
        List<Metric> all = new ArrayList<>();
        String pageToken = "";
        do {
            HttpUrl.Builder url = api("mlflow/metrics/get-history").addQueryParameter("run_id", runId)
                    .addQueryParameter("metric_key", key).addQueryParameter("max_results", "25000");
            if (!pageToken.isEmpty()) {
                url.addQueryParameter("page_token", pageToken);
            }
            String body = call(new Request.Builder().url(url.build()).get().build(), "GET metrics/get-history", true);
            GetMetricHistory.Response.Builder r = parse(body, GetMetricHistory.Response.newBuilder());
            all.addAll(r.getMetricsList());
            pageToken = r.getNextPageToken();
        } while (!pageToken.isEmpty());
        return all;
    }

    /** Uploads {@code file} to {@code artifactPath} of a run (PUT: repeating overwrites the same bytes). */
    public void uploadArtifact(String artifactUri, String artifactPath, Path file) {
        Request req = new Request.Builder().url(artifactUrl(artifactUri, artifactPath))
                .put(RequestBody.create(file.toFile(), OCTET)).build();
        call(req, "PUT mlflow-artifacts/" + artifactPath, true);
    }

    public byte[] downloadArtifact(String artifactUri, String artifactPath) {
        Request req = new Request.Builder().url(artifactUrl(artifactUri, artifactPath)).get().build();
        for (int attempt = 0; ; attempt++) {
            try (Response r = http.newCall(req).execute()) {
                if (!r.isSuccessful()) {
                    throw failure(r.code(), r.body() == null ? "" : r.body().string(), "GET mlflow-artifacts/" + artifactPath);
                }
                return r.body().bytes();
            } catch (IOException e) {
                if (attempt + 1 >= ATTEMPTS) {
                    throw unavailable("GET mlflow-artifacts/" + artifactPath, e);
                }
                sleepBackoff(attempt + 1);
            }
        }
    }

    /** Whether runs of this server can take uploads through the mlflow-artifacts API. */
    public static boolean isServedArtifactUri(String artifactUri) {
        return artifactUri.startsWith("mlflow-artifacts:");
    }

    private HttpUrl artifactUrl(String artifactUri, String artifactPath) {
        if (!isServedArtifactUri(artifactUri)) {
            throw new MlflowException(MlflowException.Kind.REJECTED, 0, "",
                    "the run's artifact location " + artifactUri + " is not served by " + settings.safeUri()
                            + "; start the server with --serve-artifacts (make mlflow-up does)", null);
        }
        // mlflow-artifacts:/1/<run>/artifacts or mlflow-artifacts://host:port/1/<run>/artifacts
        String rest = artifactUri.substring("mlflow-artifacts:".length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        HttpUrl.Builder b = api("mlflow-artifacts/artifacts");
        for (String seg : (rest + "/" + artifactPath).split("/")) {
            if (!seg.isEmpty()) {
                b.addPathSegment(seg);
            }
        }
        return b.build();
    }

    private HttpUrl.Builder api(String path) {
        return settings.base().newBuilder().addPathSegments("api/2.0/" + path);
    }

    private String post(String path, MessageOrBuilder message, boolean idempotent) {
        String json;
        try {
            json = PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot encode " + path + " request", e);
        }
        Request req = new Request.Builder().url(api(path).build()).post(RequestBody.create(json, JSON_TYPE)).build();
        return call(req, "POST " + path.replace("mlflow/", ""), idempotent);
    }

    /** One call; idempotent ones are repeated with backoff while the server is unavailable. */
    private String call(Request req, String what, boolean idempotent) {
        int attempts = idempotent ? ATTEMPTS : 1;
        for (int attempt = 0; ; attempt++) {
            MlflowException failure;
            try (Response r = http.newCall(req).execute()) {
                String body = r.body() == null ? "" : r.body().string();
                if (r.isSuccessful()) {
                    return body;
                }
                failure = failure(r.code(), body, what);
            } catch (IOException e) {
                failure = unavailable(what, e);
            }
            if (failure.kind() != MlflowException.Kind.UNAVAILABLE || attempt + 1 >= attempts) {
                throw failure;
            }
            sleepBackoff(attempt + 1);
        }
    }

    private MlflowException unavailable(String what, IOException e) {
        return new MlflowException(MlflowException.Kind.UNAVAILABLE, 0, "",
                "MLflow server " + settings.safeUri() + " unreachable (" + what + "): "
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), null);
    }

    private MlflowException failure(int code, String body, String what) {
        if (code == 401 || code == 403) {
            String fix = settings.authorization() == null
                    ? "the server requires authentication: set " + MlflowSettings.ENV_TOKEN + " or "
                    + MlflowSettings.ENV_USER + " and " + MlflowSettings.ENV_PASSWORD
                    : "check " + settings.credentialKind() + (code == 403 ? " (the user lacks permission)" : "");
            return new MlflowException(MlflowException.Kind.AUTH, code, "",
                    "MLflow authentication failed: " + settings.safeUri() + " answered HTTP " + code
                            + (code == 401 ? " Unauthorized" : " Forbidden") + " to " + what + "; " + fix, null);
        }
        String errorCode = "";
        String message = body.length() > 500 ? body.substring(0, 500) + "..." : body;
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.has("error_code")) {
                errorCode = n.path("error_code").asText();
                message = n.path("message").asText();
            }
        } catch (IOException ignored) {
            // not JSON (e.g. a proxy's HTML page): keep the raw text
        }
        boolean retryable = code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
        return new MlflowException(retryable ? MlflowException.Kind.UNAVAILABLE : MlflowException.Kind.REJECTED,
                code, errorCode, "MLflow " + settings.safeUri() + " answered HTTP " + code + " to " + what
                + (errorCode.isEmpty() ? "" : " (" + errorCode + ")") + ": " + message, null);
    }

    /** Fills {@code builder} from a JSON answer (fields newer than the 2.17 protos are ignored). */
    private <B extends Message.Builder> B parse(String body, B builder) {
        try {
            PARSER.merge(body, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new MlflowException(MlflowException.Kind.REJECTED, 200, "",
                    "unexpected answer from MLflow " + settings.safeUri() + ": " + e.getMessage(), e);
        }
        return builder;
    }

    private void sleepBackoff(int attempt) {
        try {
            Thread.sleep(retryBaseMillis * (1L << Math.min(attempt - 1, 5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MlflowException(MlflowException.Kind.UNAVAILABLE, 0, "", "interrupted while retrying", e);
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
