package dev.attnlab.tracking.mlflow;

import okhttp3.Credentials;
import okhttp3.HttpUrl;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Where the MLflow server is and how to authenticate, from the standard MLflow environment
 * variables. Credentials live only in {@link #authorization()}; {@link #toString()} and
 * {@link #safeUri()} never show them, so they cannot leak into logs, params, tags or errors.
 */
public final class MlflowSettings {
    public static final String ENV_URI = "MLFLOW_TRACKING_URI";
    public static final String ENV_TOKEN = "MLFLOW_TRACKING_TOKEN";
    public static final String ENV_USER = "MLFLOW_TRACKING_USERNAME";
    public static final String ENV_PASSWORD = "MLFLOW_TRACKING_PASSWORD";
    public static final String DEFAULT_URI = "http://127.0.0.1:5000";

    private final HttpUrl base;
    private final String authorization; // null = no auth header
    private final Duration connectTimeout;
    private final Duration readTimeout;

    private MlflowSettings(HttpUrl base, String authorization, Duration connectTimeout, Duration readTimeout) {
        this.base = base;
        this.authorization = authorization;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    public static MlflowSettings fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * @throws IllegalArgumentException naming the variable and the fix when the URI is not an
     *                                  http(s) address of a tracking server
     */
    public static MlflowSettings fromEnv(Map<String, String> env) {
        String uri = env.getOrDefault(ENV_URI, "").strip();
        if (uri.isEmpty()) {
            uri = DEFAULT_URI;
        }
        HttpUrl parsed = HttpUrl.parse(uri);
        if (parsed == null) {
            throw new IllegalArgumentException(ENV_URI + " is not an http(s) address of an MLflow tracking server"
                    + " (attnlab talks to a server over REST; start one with `make mlflow-up` or set "
                    + ENV_URI + "=http://host:port)");
        }
        String token = env.getOrDefault(ENV_TOKEN, "");
        String user = env.getOrDefault(ENV_USER, "");
        String password = env.getOrDefault(ENV_PASSWORD, "");
        if (user.isEmpty() && !parsed.username().isEmpty()) {
            // http://user:pass@host form: move the credentials into the header, out of the URL.
            user = URLDecoder.decode(parsed.encodedUsername(), StandardCharsets.UTF_8);
            password = URLDecoder.decode(parsed.encodedPassword(), StandardCharsets.UTF_8);
        }
        String authorization = null;
        if (!token.isEmpty()) {
            authorization = "Bearer " + token;
        } else if (!user.isEmpty()) {
            authorization = Credentials.basic(user, password, StandardCharsets.UTF_8);
        }
        HttpUrl base = parsed.newBuilder().username("").password("").query(null).fragment(null).build();
        return new MlflowSettings(base, authorization, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** The same server and credentials with other timeouts (tests use short ones). */
    public MlflowSettings withTimeouts(Duration connect, Duration read) {
        return new MlflowSettings(base, authorization, connect, read);
    }

    HttpUrl base() {
        return base;
    }

    /** The Authorization header value, or null. Package-private: only the HTTP layer reads it. */
    String authorization() {
        return authorization;
    }

    /** Which credential kind is configured, for error messages: never the credential itself. */
    String credentialKind() {
        if (authorization == null) {
            return "no credentials";
        }
        return authorization.startsWith("Bearer ") ? ENV_TOKEN : ENV_USER + "/" + ENV_PASSWORD;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    /** The server address without user info, query or credentials. */
    public String safeUri() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return "MLflow at " + safeUri() + " (" + credentialKind() + ")";
    }
}
