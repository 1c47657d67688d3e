package dev.attnlab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.train.Trainer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs each trial as its own {@code attnlab run EXPERIMENT --set key=value ...} process. Separate
 * processes isolate ND4J's native memory and thread pools (which do not shrink inside one JVM),
 * give each trial exactly its share of threads through {@code OMP_NUM_THREADS}, and make a
 * hyperband stop a real kill that frees the trial's memory at once; a crashing trial cannot take
 * the sweep down. The trial's metrics come back through the report file of {@link TrialEnvironment}.
 */
public final class ProcessTrialRunner implements TrialRunner {

    static final long POLL_MILLIS = 200;
    static final long GRACE_SECONDS = 15;
    /**
     * The train stage logs a non-finite training or validation loss just before it fails, so a
     * failed trial that reported one diverged (its parameters' doing) rather than crashed.
     */
    static final Set<String> DIVERGENCE_KEYS = Set.of(Trainer.TRAIN_LOSS, Trainer.VAL_LOSS);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> launcher;

    /** @param launcher the command that starts attnlab's CLI, e.g. {@code [bin/attnlab]} */
    public ProcessTrialRunner(List<String> launcher) {
        this.launcher = List.copyOf(launcher);
    }

    /**
     * The launcher for this very program: the running JVM's java, its memory and system-property
     * flags and class path, and {@code dev.attnlab.cli.Main}.
     */
    public static List<String> currentJvm() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Xm") || arg.startsWith("-XX:") || arg.startsWith("-D") || arg.startsWith("--add-modules")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.attnlab.cli.Main");
        return cmd;
    }

    /** The command line of a trial (without the launcher): {@code run EXPERIMENT --set k=v ...}. */
    static List<String> arguments(Request request) {
        List<String> args = new ArrayList<>(List.of("run", request.experiment().toString()));
        if (request.projectDir() != null) {
            args.add("--project-dir");
            args.add(request.projectDir().toString());
        }
        for (String set : TrialSpecs.sets(request.overrides())) {
            args.add("--set");
            args.add(set);
        }
        return args;
    }

    @Override
    public Result run(Request request, Listener listener) throws InterruptedException {
        Path dir = request.trialDir();
        Path report = dir.resolve("metrics.jsonl");
        Path logFile = dir.resolve("log.txt");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(arguments(request));
        Process process;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(report);
            Files.createFile(report);
            Files.writeString(dir.resolve("command.txt"), String.join(" ", command) + "\n");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()));
            Map<String, String> env = pb.environment();
            String threads = Integer.toString(request.threads());
            env.put("OMP_NUM_THREADS", threads);
            env.put("OPENBLAS_NUM_THREADS", threads);
            env.put("OMP_WAIT_POLICY", "PASSIVE");
            env.put(TrialEnvironment.RUN_TAGS, TrialEnvironment.encodeTags(request.tags()));
            env.put(TrialEnvironment.METRIC_REPORT, report.toString());
            process = pb.start();
        } catch (IOException e) {
            return new Result(TrialStatus.CRASHED, "could not start '" + String.join(" ", launcher) + "': " + e.getMessage());
        }
        listener.started(process.pid());
        try (RandomAccessFile in = new RandomAccessFile(report.toFile(), "r")) {
            ReportReader reader = new ReportReader(in);
            String diverged = null;
            while (true) {
                boolean exited = process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
                for (JsonNode line : reader.newLines()) {
                    if (!line.path("value").isNumber()) {
                        if (DIVERGENCE_KEYS.contains(line.path("key").asText()) && line.path("value").isTextual()) {
                            diverged = line.path("key").asText() + " became " + line.path("value").asText() + " at step "
                                    + line.path("step").asLong();
                        }
                        continue;
                    }
                    if (!listener.metric(line.path("key").asText(), line.path("value").asDouble(), line.path("step").asLong())) {
                        end(process);
                        return new Result(TrialStatus.KILLED, null);
                    }
                }
                if (exited) {
                    int code = process.exitValue();
                    if (code == 0) {
                        return Result.finished();
                    }
                    return diverged != null ? new Result(TrialStatus.DIVERGED, diverged + " (log: " + logFile + ")")
                            : new Result(TrialStatus.CRASHED, "exit code " + code + lastLine(logFile) + " (log: " + logFile + ")");
                }
            }
        } catch (InterruptedException e) {
            end(process);
            throw e;
        } catch (IOException e) {
            end(process);
            return new Result(TrialStatus.CRASHED, "reading its metric report " + report + ": " + e.getMessage());
        }
    }

    /** SIGTERM (the trial flushes its tracker), then SIGKILL after a grace period; children too. */
    private static void end(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    String l = lines.get(i).strip();
                    return ": " + (l.length() > 300 ? l.substring(0, 300) + "…" : l);
                }
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // the log is a convenience; its path is reported anyway
        }
        return "";
    }

    /** Reads complete lines appended since the last call (a partial last line waits for its newline). */
    static final class ReportReader {
        private final RandomAccessFile in;
        private long offset;

        ReportReader(RandomAccessFile in) {
            this.in = in;
        }

        List<JsonNode> newLines() throws IOException {
            List<JsonNode> out = new ArrayList<>();
            long length = in.length();
            if (length <= offset) {
                return out;
            }
            byte[] buf = new byte[(int) Math.min(length - offset, 1 << 24)];
            in.seek(offset);
            in.readFully(buf);
            int start = 0;
            for (int i = 0; i < buf.length; i++) {
                if (buf[i] == '\n') {
                    String line = new String(buf, start, i - start, StandardCharsets.UTF_8).strip();
                    if (!line.isEmpty()) {
                        try {
                            out.add(JSON.readTree(line));
                        } catch (IOException ignored) {
                            // not a report line; the trial's own log has the details
                        }
                    }
                    start = i + 1;
                }
            }
            offset += start;
            return out;
        }
    }
}
