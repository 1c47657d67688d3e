package dev.attnlab.tracking;

import java.util.Locale;
import java.util.Optional;

/**
 * How a run ended, reported through the ordinary tag call so that it travels through any tee of
 * trackers without widening the {@link Tracker} interface: the runner's
 * {@code setTag("run.status", "completed|failed|interrupted")} or
 * {@code setTag(RunStatus.TAG, "FINISHED|FAILED|KILLED")}. A tracker closed without either ends
 * FINISHED, or KILLED when closed by its Ctrl-C shutdown hook.
 */
public final class RunStatus {
    public static final String TAG = "attnlab.status";
    /** The runner's tag (lower-case {@code RunResult.Status} names). */
    public static final String RUNNER_TAG = "run.status";
    public static final String FINISHED = "FINISHED";
    public static final String FAILED = "FAILED";
    public static final String KILLED = "KILLED";

    private RunStatus() { }

    /** The end state a tag announces, if it is one of the two status tags with a known value. */
    public static Optional<String> fromTag(String key, String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.toUpperCase(Locale.ROOT);
        if (TAG.equals(key) && (v.equals(FINISHED) || v.equals(FAILED) || v.equals(KILLED))) {
            return Optional.of(v);
        }
        if (RUNNER_TAG.equals(key)) {
            return switch (v) {
                case "COMPLETED" -> Optional.of(FINISHED);
                case "FAILED" -> Optional.of(FAILED);
                case "INTERRUPTED" -> Optional.of(KILLED);
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }
}
