package dev.attnlab.pipeline;

import dev.attnlab.spec.CanonicalJson;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.TrackingSpec;
import dev.attnlab.tracking.RunDirTracker;
import dev.attnlab.tracking.TeeTracker;
import dev.attnlab.tracking.Tracker;
import dev.attnlab.tracking.TrackerBackend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run's tracker: the run directory always, teed to the remote backend named by
 * {@code tracking.backend} when one is registered, and to the run's observers. {@link #open}
 * returns it with the run's tags set; {@link #logSpec} then logs the flattened resolved spec as
 * params and the spec files as artifacts. Two steps so that the runner holds the tracker (and its
 * shutdown hook can close it) before the slow part: a remote run exists as soon as it is opened.
 */
final class RunTrackers {

    private static final Set<String> WARNED_BACKENDS = ConcurrentHashMap.newKeySet();

    private RunTrackers() { }

    static Tracker open(ExperimentSpec spec, RunPlan plan, RunOptions options, RunDirectory runDir, Path projectRoot,
                        List<TrackerBackend> backends, RunLog log) throws IOException {
        Map<String, String> tags = runTags(spec, plan, options, projectRoot);
        tags.put("run.dir", runDirLabel(projectRoot, runDir.path()));
        Map<String, Tracker> secondaries = new LinkedHashMap<>();
        openBackend(spec, runDir.path(), tags, backends, log).ifPresent(t -> secondaries.put(spec.tracking().backend().value(), t));
        for (int i = 0; i < options.observers().size(); i++) {
            secondaries.put("observer-" + i, options.observers().get(i));
        }
        Tracker t = new TeeTracker(new RunDirTracker(runDir.path()), secondaries, log);
        tags.forEach(t::setTag);
        return t;
    }

    /** Logs the resolved spec as params and the spec files as artifacts, and waits for them to be sent. */
    static void logSpec(Tracker t, ExperimentSpec spec, RunDirectory runDir) throws IOException {
        t.logParams(CanonicalJson.flatten(spec.resolved()));
        for (Path f : runDir.specFiles()) {
            t.logArtifact(f, f.getParent().equals(runDir.path()) ? "spec" : "spec/source");
        }
        t.flush();
    }

    /** Tags known when the run starts; per-stage cache tags follow as stages finish. */
    static Map<String, String> runTags(ExperimentSpec spec, RunPlan plan, RunOptions options, Path projectRoot) {
        GitInfo git = GitInfo.of(projectRoot);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("spec.name", spec.name());
        tags.put("spec.hash", CanonicalJson.specHash(spec));
        tags.put("spec.file", String.valueOf(spec.file()));
        tags.put("git.commit", git.commit());
        tags.put("git.dirty", Boolean.toString(git.dirty()));
        tags.put("pipeline", plan.pipeline().name());
        tags.put("attnlab.version", Version.get());
        tags.putAll(options.extraTags());
        return tags;
    }

    /** A run directory as people find it: relative to the project root when inside it, else absolute. */
    static String runDirLabel(Path projectRoot, Path runDir) {
        Path root = projectRoot.toAbsolutePath().normalize(), dir = runDir.toAbsolutePath().normalize();
        return (dir.startsWith(root) ? root.relativize(dir) : dir).toString();
    }

    private static Optional<Tracker> openBackend(ExperimentSpec spec, Path runDir, Map<String, String> tags,
                                                 List<TrackerBackend> backends, RunLog log) {
        String name = spec.tracking().backend().value();
        if (spec.tracking().backend() == TrackingSpec.Backend.NONE) {
            return Optional.empty();
        }
        Optional<TrackerBackend> backend = backends.stream().filter(b -> b.name().equals(name)).findFirst();
        if (backend.isEmpty()) {
            if (WARNED_BACKENDS.add(name)) {
                log.warn("tracking backend '" + name + "' is not available in this build; tracking to the run "
                        + "directory only (set tracking.backend: none to silence this)");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(backend.get().open(spec, runDir, Map.copyOf(tags), log));
        } catch (Exception e) {
            log.warn("cannot open tracking backend '" + name + "': " + ExperimentRunner.describe(e)
                    + "; tracking to the run directory only");
            return Optional.empty();
        }
    }
}
