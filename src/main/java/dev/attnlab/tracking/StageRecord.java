package dev.attnlab.tracking;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a stage logged while it ran, stored beside its outputs in the cache entry so a later cache
 * hit can show the same metrics and artifacts on the new run. Artifact paths are relative to the
 * stage's output directory.
 */
public record StageRecord(
        @JsonProperty("params") Map<String, String> params,
        @JsonProperty("tags") Map<String, String> tags,
        @JsonProperty("metrics") List<Metric> metrics,
        @JsonProperty("artifacts") List<Artifact> artifacts) {

    public record Metric(@JsonProperty("key") String key, @JsonProperty("value") double value,
                         @JsonProperty("step") long step) { }

    public record Artifact(@JsonProperty("path") String path, @JsonProperty("dir") String dir) { }

    public static final String FILE = "record.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT); // NaN/Infinity are written as strings and read back

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    public static StageRecord read(Path file) throws IOException {
        return JSON.readValue(Files.readAllBytes(file), StageRecord.class);
    }

    /** Logs everything again to {@code target}; artifacts are taken from {@code outputDir}. */
    public void replay(Tracker target, Path outputDir) {
        if (!params.isEmpty()) {
            target.logParams(params);
        }
        tags.forEach(target::setTag);
        for (Metric m : metrics) {
            target.logMetric(m.key, m.value, m.step);
        }
        for (Artifact a : artifacts) {
            target.logArtifact(outputDir.resolve(a.path), a.dir);
        }
    }
}
