package dev.attnlab.pipeline;

/** The run's log: lines go to stderr and to the run directory's log file. */
public interface RunLog {
    void info(String message);

    void warn(String message);

    RunLog STDERR = new RunLog() {
        @Override public void info(String message) { System.err.println(message); }
        @Override public void warn(String message) { System.err.println("warning: " + message); }
    };
}
