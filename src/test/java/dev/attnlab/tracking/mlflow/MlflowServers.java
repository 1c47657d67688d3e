package dev.attnlab.tracking.mlflow;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.TrackingSpec;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real MLflow servers for tests: the one `make test` started, and private ones from mlflow/start.sh. */
final class MlflowServers {
    private MlflowServers() { }

    static final MlflowTracker.Options FAST = new MlflowTracker.Options(Duration.ofMillis(200), Duration.ofSeconds(60),
            Duration.ofSeconds(90), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1));

    /**
     * The server `make test` started (MLFLOW_TRACKING_URI). Unreachable: the test is skipped with
     * a loud message, except under CI where that is a failure.
     */
    static String sharedUri() {
        String uri = System.getenv().getOrDefault(MlflowSettings.ENV_URI, "");
        if (uri.isBlank()) {
            uri = MlflowSettings.DEFAULT_URI;
        }
        try (MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(Map.of(MlflowSettings.ENV_URI, uri)))) {
            if (!rest.healthy()) {
                unavailable("no MLflow server answers at " + uri + " (run the tests with `make test`, which starts one)");
            }
        }
        return uri;
    }

    static void unavailable(String why) {
        if (!System.getenv().getOrDefault("CI", "").isBlank()) {
            Assertions.fail("CI: " + why);
        }
        System.err.println("\n*** SKIPPING MLflow server test: " + why + " ***\n");
        Assumptions.abort(why);
    }

    static Map<String, String> env(String uri) {
        Map<String, String> env = new HashMap<>();
        env.put(MlflowSettings.ENV_URI, uri);
        return env;
    }

    static ExperimentSpec spec(String name, String experiment, Path file, Map<String, Object> resolved) {
        return new ExperimentSpec(name, "", "language-model", 0, null, null, null, null, null, null,
                new TrackingSpec(TrackingSpec.Backend.MLFLOW, experiment, ""), file, resolved);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A server of our own (own port, db and artifacts in a temp dir) that a test may kill and restart. */
    static final class PrivateServer implements AutoCloseable {
        final Path state;
        final int port;
        private final List<String> extraArgs;
        private final Map<String, String> extraEnv;

        PrivateServer(Path state, List<String> extraArgs, Map<String, String> extraEnv) throws IOException {
            this.state = state;
            this.port = freePort();
            this.extraArgs = extraArgs;
            this.extraEnv = extraEnv;
        }

        String uri() {
            return "http://127.0.0.1:" + port;
        }

        void start() throws IOException, InterruptedException {
            run("start.sh", extraArgs);
        }

        void stop() throws IOException, InterruptedException {
            run("stop.sh", List.of());
        }

        private void run(String script, List<String> args) throws IOException, InterruptedException {
            Path dir = Path.of(System.getProperty("user.dir"), "mlflow");
            List<String> cmd = new java.util.ArrayList<>(List.of(dir.resolve(script).toString()));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(state.resolve(script + ".out").toFile());
            pb.environment().put("MLFLOW_STATE", state.toString());
            pb.environment().put("MLFLOW_PORT", Integer.toString(port));
            pb.environment().putAll(extraEnv);
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                String out = Files.readString(state.resolve(script + ".out"));
                if ("start.sh".equals(script)) {
                    unavailable("cannot start a private MLflow server: " + out);
                }
                Assertions.fail(script + " failed: " + out);
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            stop();
        }
    }
}
