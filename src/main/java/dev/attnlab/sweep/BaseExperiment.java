package dev.attnlab.sweep;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the sweep needs to know of its base experiment before any trial runs: its name and
 * tracking settings, read along the {@code extends} chain (the nearest definition wins). The
 * trials themselves load and validate the full spec.
 *
 * @param trackingExperiment the MLflow experiment the trials log to ({@code tracking.experiment}, else the name)
 */
public record BaseExperiment(String name, String trackingBackend, String trackingExperiment) {

    private static final int MAX_EXTENDS = 32;

    public static BaseExperiment read(Path spec) throws SweepSpecException {
        String name = null;
        String backend = null;
        String experiment = null;
        List<Path> seen = new ArrayList<>();
        Path current = spec.toAbsolutePath().normalize();
        while (current != null) {
            if (seen.contains(current) || seen.size() >= MAX_EXTENDS) {
                throw new SweepSpecException(List.of(spec + ": extends: a cycle or more than " + MAX_EXTENDS
                        + " levels through " + current));
            }
            seen.add(current);
            Map<?, ?> doc = readMap(current, seen.size() == 1 ? null : seen.get(seen.size() - 2));
            if (name == null && doc.get("name") instanceof String s) {
                name = s;
            }
            if (doc.get("tracking") instanceof Map<?, ?> t) {
                if (backend == null && t.get("backend") instanceof String b) {
                    backend = b;
                }
                if (experiment == null && t.get("experiment") instanceof String e && !e.isBlank()) {
                    experiment = e;
                }
            }
            current = doc.get("extends") instanceof String parent ? current.getParent().resolve(parent).normalize() : null;
        }
        if (name == null) {
            throw new SweepSpecException(List.of(spec + ": name: missing; the base experiment of a sweep must be a runnable spec"));
        }
        return new BaseExperiment(name, backend == null ? "mlflow" : backend, experiment == null ? name : experiment);
    }

    private static Map<?, ?> readMap(Path file, Path extendedBy) throws SweepSpecException {
        try {
            Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).setCodePointLimit(1 << 20).build())
                    .loadFromString(Files.readString(file));
            return doc instanceof Map<?, ?> m ? m : Map.of();
        } catch (IOException e) {
            throw new SweepSpecException(List.of((extendedBy == null ? "" : extendedBy + ": extends: ")
                    + "cannot read " + file + ": " + e.getMessage()));
        } catch (RuntimeException e) {
            throw new SweepSpecException(List.of(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse("")));
        }
    }
}
