package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real MLflow server with its basic-auth app (mlflow server --app-name basic-auth). */
class MlflowAuthTest {
    private static final String ADMIN_PASSWORD = "adm1n-" + UUID.randomUUID();
    @TempDir
    static Path serverState;
    private static MlflowServers.PrivateServer server;

    @BeforeAll
    static void startServer() throws Exception {
        MlflowServers.sharedUri();
        Path ini = serverState.resolve("auth.ini");
        Files.writeString(ini, String.join("\n", "[mlflow]", "default_permission = READ",
                "database_uri = sqlite:///" + serverState.resolve("basic_auth.db"),
                "admin_username = admin", "admin_password = " + ADMIN_PASSWORD,
                "authorization_function = mlflow.server.auth:authenticate_request_basic_auth", ""));
        server = new MlflowServers.PrivateServer(serverState, List.of("--app-name", "basic-auth"),
                Map.of("MLFLOW_AUTH_CONFIG_PATH", ini.toString(), "MLFLOW_FLASK_SERVER_SECRET_KEY", UUID.randomUUID().toString()));
        server.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private static Tracker open(Map<String, String> env, Path runDir) throws Exception {
        return new MlflowBackend(env, MlflowServers.FAST).open(
                MlflowServers.spec("auth", "attnlab-auth-" + UUID.randomUUID(), null, Map.of()), runDir, Map.of(), RunLog.STDERR);
    }

    @Test
    void badTokenGetsAClearAuthenticationErrorWithoutTheToken(@TempDir Path runDir) {
        String token = "tok-" + UUID.randomUUID();
        Map<String, String> env = MlflowServers.env(server.uri());
        env.put(MlflowSettings.ENV_TOKEN, token);
        MlflowException e = assertThrows(MlflowException.class, () -> open(env, runDir));
        assertEquals(MlflowException.Kind.AUTH, e.kind());
        assertEquals(401, e.httpStatus());
        assertTrue(e.getMessage().startsWith("MLflow authentication failed: " + server.uri() + " answered HTTP 401"), e.getMessage());
        assertTrue(e.getMessage().contains("check MLFLOW_TRACKING_TOKEN"), e.getMessage());
        assertFalse(e.getMessage().contains(token), "the token must not appear in the error");
        assertFalse(java.nio.file.Files.exists(runDir.resolve("mlflow")), "no journal left to sync into an empty run");
    }

    @Test
    void wrongPasswordAndMissingCredentialsAreNamedButNeverShown(@TempDir Path tmp) throws Exception {
        Map<String, String> env = MlflowServers.env(server.uri());
        env.put(MlflowSettings.ENV_USER, "admin");
        env.put(MlflowSettings.ENV_PASSWORD, "wrong-" + ADMIN_PASSWORD);
        MlflowException e = assertThrows(MlflowException.class, () -> open(env, Files.createDirectories(tmp.resolve("a"))));
        assertTrue(e.getMessage().contains("check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD"), e.getMessage());
        assertFalse(e.getMessage().contains(ADMIN_PASSWORD));

        MlflowException none = assertThrows(MlflowException.class,
                () -> open(MlflowServers.env(server.uri()), Files.createDirectories(tmp.resolve("b"))));
        assertTrue(none.getMessage().contains("the server requires authentication: set MLFLOW_TRACKING_TOKEN or"), none.getMessage());
    }

    @Test
    void basicCredentialsWorkForRunsMetricsAndArtifacts(@TempDir Path tmp) throws Exception {
        Map<String, String> env = MlflowServers.env(server.uri());
        env.put(MlflowSettings.ENV_USER, "admin");
        env.put(MlflowSettings.ENV_PASSWORD, ADMIN_PASSWORD);
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Path file = Files.writeString(tmp.resolve("table.csv"), "a,b\n1,2\n");
        Tracker t = open(env, runDir);
        t.logMetric("val/loss", 0.5, 1);
        t.logArtifact(file, "eval");
        t.close();
        assertFalse(Journal.hasUnacked(runDir));
        Journal.RunRef ref;
        try (Journal j = Journal.open(runDir)) {
            ref = j.runRef().orElseThrow();
        }
        try (MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(env))) {
            assertEquals(1, rest.metricHistory(ref.runId(), "val/loss").size());
            assertEquals("a,b\n1,2\n", new String(rest.downloadArtifact(ref.artifactUri(), "eval/table.csv"), "UTF-8"));
        }
        String journal = Files.readString(runDir.resolve("mlflow/journal.jsonl"));
        assertFalse(journal.contains(ADMIN_PASSWORD), "credentials never journaled");
    }
}
