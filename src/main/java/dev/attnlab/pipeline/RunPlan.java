package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecProblem;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a run will do: the pipeline, the stages to run (all, or {@code --until} a stage and what it
 * needs) in dependency order, and each stage's cache key. Stages without a registered
 * implementation are listed in {@link #missing()} and have no key (nor do their dependents).
 */
public record RunPlan(PipelineDefinition pipeline, List<PipelineDefinition.StageNode> stages,
                      Map<String, String> keys, Map<String, Integer> versions, List<String> missing) {

    public static RunPlan of(ExperimentSpec spec, PipelineDefinition pipeline, StageRegistry registry, String until) {
        List<PipelineDefinition.StageNode> selected = pipeline.stages();
        if (until != null && !until.isBlank()) {
            if (!pipeline.stageNames().contains(until)) {
                throw new SpecException(List.of(new SpecProblem("--until " + until, "",
                        "no stage '" + until + "' in pipeline " + pipeline.name() + " (stages: "
                                + String.join(", ", pipeline.stageNames()) + ")")));
            }
            Set<String> needed = upstream(pipeline, until);
            selected = pipeline.stages().stream().filter(s -> needed.contains(s.name())).toList();
        }
        Map<String, Integer> versions = new HashMap<>();
        Map<String, String> keys = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (PipelineDefinition.StageNode s : selected) {
            Optional<Stage> impl = registry.get(s.name());
            if (impl.isEmpty()) {
                missing.add(s.name());
                continue;
            }
            versions.put(s.name(), impl.get().version());
            if (keys.keySet().containsAll(s.inputs())) {
                keys.put(s.name(), CacheKeys.key(spec, s, impl.get().version(), keys));
            }
        }
        return new RunPlan(pipeline, selected, keys, versions, missing);
    }

    /** {@code stage} and every stage it takes outputs from, transitively. */
    public static Set<String> upstream(PipelineDefinition pipeline, String stage) {
        Set<String> out = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of(stage));
        while (!todo.isEmpty()) {
            String s = todo.remove(todo.size() - 1);
            if (out.add(s)) {
                todo.addAll(pipeline.stage(s).inputs());
            }
        }
        return out;
    }

    /** {@code stages} and every stage that takes their outputs, transitively (what --force reruns). */
    public static Set<String> downstream(PipelineDefinition pipeline, Set<String> stages) {
        Set<String> out = new LinkedHashSet<>(stages);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (PipelineDefinition.StageNode s : pipeline.stages()) {
                if (!out.contains(s.name()) && s.inputs().stream().anyMatch(out::contains)) {
                    grew = out.add(s.name());
                }
            }
        }
        return out;
    }

    /** The last stage such that it and everything before it are available: a useful --until. */
    public Optional<String> longestAvailablePrefix() {
        String last = null;
        for (PipelineDefinition.StageNode s : stages) {
            if (missing.contains(s.name())) {
                break;
            }
            last = s.name();
        }
        return Optional.ofNullable(last);
    }
}
