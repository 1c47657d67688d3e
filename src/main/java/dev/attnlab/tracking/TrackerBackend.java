package dev.attnlab.tracking;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.ExperimentSpec;

import java.nio.file.Path;
import java.util.Map;

/**
 * A remote tracking backend (e.g. MLflow), found with Java's ServiceLoader by {@link #name()}
 * matching the spec's {@code tracking.backend}. The runner always writes the run directory itself
 * and tees every call to the tracker this opens. The caller closes the tracker, also when the JVM
 * shuts down (the runner's shutdown hook does, after letting a stage that can stop do so), so a
 * tracker must not close itself from a hook of its own: it would end the run before the stage's
 * last metrics.
 */
public interface TrackerBackend {

    /** The value of {@code tracking.backend} that selects this backend, e.g. "mlflow". */
    String name();

    /**
     * Opens one run for one experiment run.
     *
     * @param runDir the run directory (for journals that must survive a dead server)
     * @param tags   run-level tags known at start (spec name and hash, git commit, pipeline, ...);
     *               may contain "mlflow.parentRunId" for a sweep trial
     */
    Tracker open(ExperimentSpec spec, Path runDir, Map<String, String> tags, RunLog log) throws Exception;
}
