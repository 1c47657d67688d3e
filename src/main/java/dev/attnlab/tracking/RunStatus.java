package dev.attnlab.tracking;

/**
 * How a run ended. The runner reports it through the ordinary tag call
 * {@code tracker.setTag(RunStatus.TAG, RunStatus.FAILED)} before closing, so the status travels
 * through any tee of trackers without widening the {@link Tracker} interface. A tracker closed
 * without it ends FINISHED, or KILLED when closed by the Ctrl-C shutdown hook.
 */
public final class RunStatus {
    public static final String TAG = "attnlab.status";
    public static final String FINISHED = "FINISHED";
    public static final String FAILED = "FAILED";
    public static final String KILLED = "KILLED";

    private RunStatus() { }

    /** Whether {@code status} is one of the three end states. */
    public static boolean isValid(String status) {
        return FINISHED.equals(status) || FAILED.equals(status) || KILLED.equals(status);
    }
}
