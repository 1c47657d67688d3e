package dev.attnlab.tracking.mlflow;

import dev.attnlab.io.Directories;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.tracking.Tracker;
import dev.attnlab.tracking.TrackerBackend;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code tracking.backend: mlflow}. Opens one MLflow run per experiment run, in the experiment
 * named {@code tracking.experiment} (default: the spec name), created with the runner's tags
 * (params, the spec artifacts and everything else arrive through the tracker's calls); also
 * sends, in the background, what earlier runs of the same spec left unsent.
 */
public final class MlflowBackend implements TrackerBackend {
    static final String RUN_NAME_TAG = "mlflow.runName";

    private final Map<String, String> env;
    private final MlflowTracker.Options options;

    public MlflowBackend() {
        this(System.getenv(), MlflowTracker.Options.defaults());
    }

    MlflowBackend(Map<String, String> env, MlflowTracker.Options options) {
        this.env = env;
        this.options = options;
    }

    @Override
    public String name() {
        return "mlflow";
    }

    /**
     * @throws MlflowException          of kind AUTH when the server refuses the credentials
     * @throws IllegalArgumentException when MLFLOW_TRACKING_URI is not usable
     */
    @Override
    public Tracker open(ExperimentSpec spec, Path runDir, Map<String, String> tags, RunLog log) throws IOException {
        MlflowRest rest = new MlflowRest(MlflowSettings.fromEnv(env));
        Journal journal = Journal.open(runDir);
        boolean fresh = Journal.firstEntry(runDir).isEmpty();
        try {
            if (fresh) {
                journal.append("create_run", createRunEntry(spec, tags));
            }
            MlflowTracker tracker = new MlflowTracker(journal, new JournalSender(journal, rest, log), rest, log, options);
            tracker.start();
            tracker.startSystemMetrics();
            Thread catchUp = new Thread(() -> {
                try (MlflowRest own = new MlflowRest(rest.settings())) {
                    MlflowSync.syncEarlierRuns(runDir, spec.name(), own, log);
                }
            }, "mlflow-catch-up");
            catchUp.setDaemon(true);
            tracker.addCompanion(catchUp);
            catchUp.start();
            return tracker;
        } catch (IOException | RuntimeException e) {
            journal.close();
            rest.close();
            if (fresh && e instanceof MlflowException m && m.kind() == MlflowException.Kind.AUTH) {
                // nothing will be logged through this backend: leave no journal that a later
                // sync would turn into an empty MLflow run
                deleteTree(journal.dir());
            }
            throw e;
        }
    }

    private static void deleteTree(Path dir) {
        try {
            Directories.deleteTree(dir);
        } catch (java.io.UncheckedIOException ignored) {
            // a leftover journal holds only the run creation: harmless
        }
    }

    private static ObjectNode createRunEntry(ExperimentSpec spec, Map<String, String> tags) {
        String experiment = spec.tracking() != null && !spec.tracking().experiment().isBlank()
                ? spec.tracking().experiment() : spec.name();
        String runName = Optional.ofNullable(tags.get(RUN_NAME_TAG)).filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(spec.tracking()).map(t -> t.runName()).filter(s -> s != null && !s.isBlank()))
                .orElse(spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        ObjectNode b = Journal.JSON.createObjectNode();
        b.put("spec", spec.name());
        b.put("experiment", experiment);
        b.put("client_run_id", UUID.randomUUID().toString());
        b.put("run_name", runName);
        b.put("start_time", System.currentTimeMillis());
        ObjectNode t = b.putObject("tags");
        tags.forEach((k, v) -> t.put(MlflowLimits.key(k), MlflowLimits.tagValue(v)));
        t.put(RUN_NAME_TAG, runName);
        // what MLflow's own clients set: the UI shows them as "Created by" and "Source"
        t.putIfAbsent("mlflow.user", Journal.JSON.getNodeFactory().textNode(System.getProperty("user.name", "")));
        t.putIfAbsent("mlflow.source.name", Journal.JSON.getNodeFactory().textNode("attnlab"));
        t.putIfAbsent("mlflow.source.type", Journal.JSON.getNodeFactory().textNode("LOCAL"));
        return b;
    }
}
