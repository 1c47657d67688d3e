package dev.attnlab.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The run's log: timestamped lines in {@code run.log} in the run directory, and the plain message on
 * the console. Stack traces go to the file only; the console gets one clear line.
 */
public final class FileRunLog implements RunLog, AutoCloseable {

    private final Writer file;
    private final PrintStream console;

    public FileRunLog(Path logFile, PrintStream console) throws IOException {
        this.file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        this.console = console;
    }

    @Override
    public void info(String message) {
        write("INFO", message);
        if (console != null) {
            console.println(message);
        }
    }

    @Override
    public void warn(String message) {
        write("WARN", message);
        if (console != null) {
            console.println("warning: " + message);
        }
    }

    /** The full trace for the file; the console shows {@code message} only. */
    public void error(String message, Throwable t) {
        StringWriter trace = new StringWriter();
        if (t != null) {
            t.printStackTrace(new PrintWriter(trace));
        }
        write("ERROR", message + (t == null ? "" : "\n" + trace));
        if (console != null) {
            console.println("error: " + message);
        }
    }

    /** Only into the file (details the console does not need). */
    public void detail(String message) {
        write("INFO", message);
    }

    private synchronized void write(String level, String message) {
        try {
            file.write(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " " + message + "\n");
            file.flush();
        } catch (IOException e) {
            if (console != null) {
                console.println("warning: cannot write run.log: " + e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // closing at exit; nothing left to report it to
        }
    }

    /** A view that prefixes every line with the stage name. */
    public static RunLog prefixed(RunLog log, String prefix) {
        return new RunLog() {
            @Override public void info(String message) { log.info("[" + prefix + "] " + message); }
            @Override public void warn(String message) { log.warn("[" + prefix + "] " + message); }
        };
    }
}
