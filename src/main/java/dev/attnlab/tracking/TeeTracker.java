package dev.attnlab.tracking;

import dev.attnlab.pipeline.RunLog;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends every call to a primary tracker and to secondary ones. A failing secondary (a remote
 * server) is reported once and then skipped for the rest of the run: it must never stop a run, and
 * the primary (the run directory) still has everything.
 */
public final class TeeTracker implements Tracker {

    private final Tracker primary;
    private final List<Secondary> secondaries;
    private final RunLog log;

    private record Secondary(String name, Tracker tracker, AtomicBoolean failed) { }

    public TeeTracker(Tracker primary, Map<String, Tracker> secondaries, RunLog log) {
        this.primary = primary;
        this.secondaries = secondaries.entrySet().stream()
                .map(e -> new Secondary(e.getKey(), e.getValue(), new AtomicBoolean())).toList();
        this.log = log;
    }

    private void each(String what, java.util.function.Consumer<Tracker> call) {
        call.accept(primary);
        for (Secondary s : secondaries) {
            if (s.failed.get()) {
                continue;
            }
            try {
                call.accept(s.tracker);
            } catch (RuntimeException e) {
                if (s.failed.compareAndSet(false, true)) {
                    log.warn("tracker '" + s.name + "' failed on " + what + " (" + e.getMessage()
                            + "); it is skipped for the rest of this run, the run directory keeps everything");
                }
            }
        }
    }

    @Override public void logParams(Map<String, String> params) { each("logParams", t -> t.logParams(params)); }

    @Override public void logMetric(String key, double value, long step) { each("logMetric", t -> t.logMetric(key, value, step)); }

    @Override public void logMetrics(Map<String, Double> values, long step) { each("logMetrics", t -> t.logMetrics(values, step)); }

    @Override public void setTag(String key, String value) { each("setTag", t -> t.setTag(key, value)); }

    @Override public void logArtifact(Path file, String artifactDir) { each("logArtifact", t -> t.logArtifact(file, artifactDir)); }

    @Override public void flush() { each("flush", Tracker::flush); }

    @Override public void close() { each("close", Tracker::close); }
}
