package dev.attnlab.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a run's tracking data into its run directory: {@code params.json}, {@code tags.json},
 * {@code metrics.jsonl} (one {"key","value","step","time"} object a line, appended) and artifacts
 * under {@code artifacts/<artifactDir>/}. Always on, whatever remote backend is configured.
 */
public final class RunDirTracker implements Tracker {

    public static final String PARAMS = "params.json";
    public static final String TAGS = "tags.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String ARTIFACTS = "artifacts";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path runDir;
    private final Map<String, String> params = new TreeMap<>();
    private final Map<String, String> tags = new TreeMap<>();
    private final BufferedWriter metrics;
    private boolean closed;

    public RunDirTracker(Path runDir) {
        this.runDir = runDir;
        try {
            this.metrics = Files.newBufferedWriter(runDir.resolve(METRICS), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + runDir.resolve(METRICS), e);
        }
    }

    @Override
    public synchronized void logParams(Map<String, String> values) {
        params.putAll(values);
        writeJson(PARAMS, params);
    }

    @Override
    public synchronized void logMetric(String key, double value, long step) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("key", key);
        line.put("value", Double.isFinite(value) ? value : String.valueOf(value));
        line.put("step", step);
        line.put("time", System.currentTimeMillis());
        try {
            metrics.write(JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(line));
            metrics.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + runDir.resolve(METRICS), e);
        }
    }

    @Override
    public synchronized void setTag(String key, String value) {
        tags.put(key, value);
        writeJson(TAGS, tags);
    }

    /** Hard-links the file when it can (cache entries are immutable, so sharing is safe), else copies. */
    @Override
    public void logArtifact(Path file, String artifactDir) {
        Path dir = runDir.resolve(ARTIFACTS).resolve(artifactDir == null ? "" : artifactDir).normalize();
        if (!dir.startsWith(runDir.resolve(ARTIFACTS))) {
            throw new IllegalArgumentException("artifact directory escapes the run directory: " + artifactDir);
        }
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(file.getFileName().toString());
            if (Files.isDirectory(file)) {
                copyTree(file, target);
                return;
            }
            Files.deleteIfExists(target);
            try {
                Files.createLink(target, file);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store artifact " + file + " in " + dir, e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public synchronized void flush() {
        try {
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + runDir.resolve(METRICS), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            metrics.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + runDir.resolve(METRICS), e);
        }
    }

    private void writeJson(String name, Object value) {
        Path target = runDir.resolve(name);
        try {
            AtomicFiles.write(target, tmp -> JSON.writeValue(tmp.toFile(), value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
