package dev.attnlab.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.tracking.Tracker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How a sweep talks to the {@code attnlab run} process of one of its trials, through two
 * environment variables that the runner honours:
 * <ul>
 *   <li>{@value #RUN_TAGS}: a JSON object of extra run tags, merged into the tags the runner passes
 *       to {@code TrackerBackend.open} — it carries {@code mlflow.parentRunId} and the sweep and
 *       trial ids ({@link #runTags});</li>
 *   <li>{@value #METRIC_REPORT}: a file to which every metric the run logs is appended as one JSON
 *       line {@code {"key": ..., "value": ..., "step": ...}}, so the sweep sees evaluations as they
 *       happen and can stop the trial at a hyperband rung ({@link #metricReport}).</li>
 * </ul>
 * Outside a sweep neither variable is set and both methods give nothing.
 */
public final class TrialEnvironment {

    public static final String RUN_TAGS = "ATTNLAB_RUN_TAGS";
    public static final String METRIC_REPORT = "ATTNLAB_TRIAL_REPORT";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrialEnvironment() {
    }

    /** The extra run tags of a sweep trial (empty outside a sweep). */
    public static Map<String, String> runTags(Map<String, String> env) {
        String json = env.get(RUN_TAGS);
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(RUN_TAGS + " is not a JSON object of strings: " + e.getMessage(), e);
        }
    }

    static String encodeTags(Map<String, String> tags) {
        try {
            return JSON.writeValueAsString(tags);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * When run as a sweep trial: a tracker that observes the run and appends every metric to the
     * sweep's report file (pass it to the runner as an observer, beside the real trackers).
     * Empty outside a sweep.
     */
    public static Optional<Tracker> metricReport(Map<String, String> env) {
        String file = env.get(METRIC_REPORT);
        return file == null || file.isBlank() ? Optional.empty() : Optional.of(new MetricReport(Path.of(file)));
    }

    /** Appends each metric as a JSON line, one write per line, so the reader never sees half a line. */
    private static final class MetricReport implements Tracker {
        private final FileChannel out;

        MetricReport(Path file) {
            try {
                this.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the sweep's metric report " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void logParams(Map<String, String> params) {
        }

        @Override
        public void logMetric(String key, double value, long step) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("key", key);
            line.put("value", Double.isFinite(value) ? value : String.valueOf(value));
            line.put("step", step);
            try {
                byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
                synchronized (out) {
                    out.write(ByteBuffer.wrap(bytes));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing the sweep's metric report: " + e.getMessage(), e);
            }
        }

        @Override
        public void setTag(String key, String value) {
        }

        @Override
        public void logArtifact(Path file, String artifactDir) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // every line was written when it was logged
            }
        }
    }
}
