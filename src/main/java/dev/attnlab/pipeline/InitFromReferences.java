package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;
import dev.attnlab.spec.SpecProblem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Resolves a stage's {@code init_from} reference into the key of an earlier entry of that stage.
 * In this order: a stage key (64 hex digits); a run directory, or {@code runs/<name>} for its newest
 * run that planned the stage; a spec file (relative to the referring spec's folder or the working
 * directory) or a spec name in {@code experiments/}, planned as it would run. A reference that is
 * none of these, or a chain of specs that refers back to itself, is a spec error naming the key.
 */
final class InitFromReferences implements RunPlan.InitFromResolver {

    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");

    private final ProjectLayout layout;
    private final ExperimentSpec referrer;
    private final Set<Path> specsBeingPlanned;
    private final BiFunction<ExperimentSpec, RunPlan.InitFromResolver, RunPlan> planner;
    /** Keys that came from a spec reference, with that spec: what the runner may run first when not cached. */
    private final Map<String, ExperimentSpec> fromSpecs = new LinkedHashMap<>();

    InitFromReferences(ProjectLayout layout, ExperimentSpec referrer, Set<Path> specsBeingPlanned,
                       BiFunction<ExperimentSpec, RunPlan.InitFromResolver, RunPlan> planner) {
        this.layout = layout;
        this.referrer = referrer;
        this.specsBeingPlanned = specsBeingPlanned;
        this.planner = planner;
    }

    /** The spec a key was resolved from, when the reference was a spec. */
    Optional<ExperimentSpec> specOf(String key) {
        return Optional.ofNullable(fromSpecs.get(key));
    }

    @Override
    public String keyOf(String stage, String reference) {
        if (KEY.matcher(reference).matches()) {
            return reference;
        }
        Optional<Path> runs = runDirectory(reference);
        if (runs.isPresent()) {
            return keyFromRuns(stage, reference, runs.get());
        }
        Optional<Path> specFile = specFile(reference);
        if (specFile.isPresent()) {
            return keyFromSpec(stage, reference, specFile.get());
        }
        throw problem(stage, reference, "is neither a run directory, a spec file or a spec name in "
                + layout.experimentsDir() + ", nor a " + stage + " stage key (64 hex digits)");
    }

    private String keyFromRuns(String stage, String reference, Path dir) {
        List<Path> candidates = Files.isRegularFile(dir.resolve(RunDirectory.MANIFEST)) ? List.of(dir)
                : RunDirectory.runsNewestFirst(dir);
        for (Path run : candidates) {
            Optional<String> key = RunDirectory.stageKey(run, stage);
            if (key.isPresent()) return key.get();
        }
        throw problem(stage, reference, "names " + dir + ", which has no run with a " + stage + " stage");
    }

    private String keyFromSpec(String stage, String reference, Path file) {
        Path real = file.toAbsolutePath().normalize();
        if (specsBeingPlanned.contains(real)) {
            throw problem(stage, reference, "refers back to a spec that is already being resolved (" + real
                    + "): init_from chains must not loop");
        }
        ExperimentSpec spec = SpecLoader.load(file);
        Set<Path> chain = new HashSet<>(specsBeingPlanned);
        chain.add(real);
        InitFromReferences nested = new InitFromReferences(layout, spec, chain, planner);
        String key = planner.apply(spec, nested).keys().get(stage);
        if (key == null) {
            throw problem(stage, reference, "names spec " + spec.name() + ", whose pipeline has no " + stage + " stage");
        }
        fromSpecs.put(key, spec);
        nested.fromSpecs.forEach(fromSpecs::putIfAbsent);
        return key;
    }

    private Optional<Path> runDirectory(String reference) {
        for (Path p : List.of(Path.of(reference), layout.root().resolve(reference), layout.runsDir().resolve(reference))) {
            if (Files.isDirectory(p) && (Files.isRegularFile(p.resolve(RunDirectory.MANIFEST))
                    || !RunDirectory.runsNewestFirst(p).isEmpty())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private Optional<Path> specFile(String reference) {
        List<Path> candidates = new ArrayList<>();
        if (referrer.file() != null && referrer.file().getParent() != null) {
            candidates.add(referrer.file().getParent().resolve(reference));
        }
        candidates.add(Path.of(reference));
        if (!reference.contains("/")) {
            candidates.add(layout.experimentsDir().resolve(reference + ".yaml"));
            candidates.add(layout.experimentsDir().resolve(reference));
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    private SpecException problem(String stage, String reference, String what) {
        String where = referrer.file() != null ? referrer.file().toString() : "spec " + referrer.name();
        return new SpecException(List.of(new SpecProblem(where, stage + ".init_from", "'" + reference + "' " + what)));
    }
}
