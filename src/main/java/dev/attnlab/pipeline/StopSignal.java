package dev.attnlab.pipeline;

/**
 * How a run asks its running stage to end early and cleanly (Ctrl-C, SIGTERM). A stage that can
 * (train: checkpoint the step in progress) registers its reaction for the span of its work; the
 * runner's shutdown hook calls it and waits a bounded time for the stage to return before it closes
 * the run, so what the stage does on its way out is still logged and tracked. Stages that register
 * nothing are simply cut off by the exit, as before.
 */
public final class StopSignal {

    private Runnable handler;
    private boolean requested;

    /**
     * Registers {@code onStop} until the returned handle is closed; it runs at once if a stop was
     * already requested. One stage runs at a time, so there is at most one handler.
     */
    public synchronized Registration onStop(Runnable onStop) {
        handler = onStop;
        if (requested) onStop.run();
        return () -> {
            synchronized (StopSignal.this) {
                if (handler == onStop) handler = null;
            }
        };
    }

    /** Asks the running stage to stop; true when one had registered a handler (it then ends on its own). */
    synchronized boolean request() {
        requested = true;
        if (handler == null) return false;
        handler.run();
        return true;
    }

    /** Whether a stop was requested: the runner starts no further stage. */
    synchronized boolean requested() {
        return requested;
    }

    /** A registration's handle; closing it cannot fail. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
