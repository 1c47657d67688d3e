package dev.attnlab.tracking;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a run's params, metrics, tags and artifacts go. Stages only ever see this interface;
 * whether it writes to the run directory, to MLflow, or both is decided by the runner.
 * Implementations must be safe to call from one stage thread while another thread flushes.
 */
public interface Tracker extends AutoCloseable {

    void logParams(Map<String, String> params);

    /** A metric value at a step (steps are per metric key, monotonically increasing by convention). */
    void logMetric(String key, double value, long step);

    default void logMetrics(Map<String, Double> values, long step) {
        values.forEach((k, v) -> logMetric(k, v, step));
    }

    void setTag(String key, String value);

    /**
     * Logs a file as an artifact under {@code artifactDir} of the run ("" for the root), e.g.
     * {@code logArtifact(out.resolve("layer0.png"), "interpret/attention")}.
     */
    void logArtifact(Path file, String artifactDir);

    /** Sends everything buffered so far; called at the end of each stage. */
    void flush();

    @Override
    void close();

    /** A tracker that drops everything (tracking off). */
    Tracker NONE = new Tracker() {
        @Override public void logParams(Map<String, String> params) { }
        @Override public void logMetric(String key, double value, long step) { }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String artifactDir) { }
        @Override public void flush() { }
        @Override public void close() { }
    };
}
