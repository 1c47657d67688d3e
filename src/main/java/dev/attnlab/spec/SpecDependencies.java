package dev.attnlab.spec;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The repository files an experiment depends on: the spec itself, every file of its
 * {@code extends} chain, its pipeline file, and files its keys point at ({@code data.path},
 * {@code tokenizer.vocab}). Read from the raw YAML, so a spec that no longer validates still
 * reports its dependencies (CI then reruns it and shows the validation errors).
 */
public final class SpecDependencies {

    /** Keys whose values are paths to files that change what an experiment computes. */
    private static final String[][] FILE_KEYS = {{"data", "path"}, {"tokenizer", "vocab"}};
    private static final int MAX_EXTENDS = 32;

    private SpecDependencies() {
    }

    /**
     * @param projectRoot the repository root (pipelines are {@code pipelines/NAME.yaml} under it)
     * @param spec        the experiment spec file
     * @return normalised absolute paths, the spec first
     */
    public static Set<Path> of(Path projectRoot, Path spec) {
        Path root = projectRoot.toAbsolutePath().normalize();
        Set<Path> deps = new LinkedHashSet<>();
        String pipeline = null;
        Path current = spec.toAbsolutePath().normalize();
        for (int depth = 0; current != null && depth < MAX_EXTENDS && deps.add(current); depth++) {
            Map<?, ?> doc = readMap(current);
            if (pipeline == null && doc.get("pipeline") instanceof String p) {
                pipeline = p; // the nearest definition wins, as in extends merging
            }
            for (String[] key : FILE_KEYS) {
                if (doc.get(key[0]) instanceof Map<?, ?> section && section.get(key[1]) instanceof String value
                        && !value.isBlank()) {
                    deps.add(current.getParent().resolve(value).normalize());
                    deps.add(root.resolve(value).normalize());
                }
            }
            current = doc.get("extends") instanceof String parent
                    ? current.getParent().resolve(parent).normalize() : null;
        }
        deps.add(root.resolve("pipelines").resolve((pipeline == null ? "language-model" : pipeline) + ".yaml"));
        return deps;
    }

    /**
     * The files a sweep spec depends on: the sweep file, then everything its base experiment
     * ({@code experiment:}, relative to the sweep file) depends on ({@link #of}).
     */
    public static Set<Path> ofSweep(Path projectRoot, Path sweep) {
        Path file = sweep.toAbsolutePath().normalize();
        Set<Path> deps = new LinkedHashSet<>();
        deps.add(file);
        if (readMap(file).get("experiment") instanceof String experiment && !experiment.isBlank()) {
            deps.addAll(of(projectRoot, file.getParent().resolve(experiment).normalize()));
        }
        return deps;
    }

    private static Map<?, ?> readMap(Path file) {
        try {
            Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).build())
                    .loadFromString(Files.readString(file));
            return doc instanceof Map<?, ?> m ? m : Map.of();
        } catch (IOException | RuntimeException e) {
            return Map.of(); // unreadable or invalid: the file itself is still a dependency
        }
    }
}
