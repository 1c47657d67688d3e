package dev.attnlab.tracking;

import dev.attnlab.pipeline.RunLog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Passes every call through to the run's tracker and remembers it as a {@link StageRecord}, so a
 * cache hit can replay what the stage logged. Only artifacts inside the stage's output directory
 * can be replayed (the cache keeps exactly that directory); others are passed through with a warning.
 */
public final class RecordingTracker implements Tracker {

    private final Tracker target;
    private final Path outputDir;
    private final RunLog log;
    private final Map<String, String> params = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final List<StageRecord.Metric> metrics = new ArrayList<>();
    private final List<StageRecord.Artifact> artifacts = new ArrayList<>();

    public RecordingTracker(Tracker target, Path outputDir, RunLog log) {
        this.target = target;
        this.outputDir = outputDir.toAbsolutePath().normalize();
        this.log = log;
    }

    @Override
    public synchronized void logParams(Map<String, String> values) {
        params.putAll(values);
        target.logParams(values);
    }

    @Override
    public synchronized void logMetric(String key, double value, long step) {
        metrics.add(new StageRecord.Metric(key, value, step));
        target.logMetric(key, value, step);
    }

    @Override
    public synchronized void setTag(String key, String value) {
        tags.put(key, value);
        target.setTag(key, value);
    }

    @Override
    public synchronized void logArtifact(Path file, String artifactDir) {
        Path abs = file.toAbsolutePath().normalize();
        if (abs.startsWith(outputDir)) {
            artifacts.add(new StageRecord.Artifact(outputDir.relativize(abs).toString(),
                    artifactDir == null ? "" : artifactDir));
        } else {
            log.warn("artifact " + file + " is outside the stage's output directory; it is logged now but a "
                    + "later cache hit cannot show it again");
        }
        target.logArtifact(file, artifactDir);
    }

    @Override
    public void flush() {
        target.flush();
    }

    /** The run's tracker outlives the stage; closing a stage's view of it does nothing. */
    @Override
    public void close() { }

    public synchronized StageRecord record() {
        return new StageRecord(Map.copyOf(params), Map.copyOf(tags), List.copyOf(metrics), List.copyOf(artifacts));
    }
}
