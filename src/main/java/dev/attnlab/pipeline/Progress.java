package dev.attnlab.pipeline;

/**
 * Progress of long work: a bar on a terminal, periodic plain lines otherwise.
 * {@code Progress.NONE} is silent (tests).
 */
public interface Progress {

    /** Starts a task of {@code total} units (use -1 when unknown). */
    Task start(String label, long total, String unit);

    interface Task extends AutoCloseable {
        /** Advances by {@code n} units. */
        void step(long n);

        /**
         * Counts {@code n} units as done before this task began (e.g. restored from a checkpoint):
         * they fill the bar but are left out of the rate and the ETA.
         */
        default void skip(long n) {
            step(n);
        }

        /** Short status shown beside the bar, e.g. "loss 3.21  41k tok/s". */
        void status(String text);

        @Override
        void close();
    }

    Progress NONE = (label, total, unit) -> new Task() {
        @Override public void step(long n) { }
        @Override public void status(String text) { }
        @Override public void close() { }
    };
}
