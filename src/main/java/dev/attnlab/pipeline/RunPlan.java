package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecProblem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a run will do: the pipeline, the stages to run (all, or {@code --until} a stage and what it
 * needs) in dependency order, and for each its params and cache key. Stages without a registered
 * implementation are listed in {@link #missing()} and have no key (nor do their dependents).
 */
public record RunPlan(PipelineDefinition pipeline, List<PipelineDefinition.StageNode> stages,
                      Map<String, Planned> planned, List<String> missing) {

    /** One stage with what it is given: its params, and the key they and its inputs' keys make. */
    public record Planned(Stage<?> stage, Record params, StageKey material, String key) {
        public int version() { return material.version(); }
    }

    /** Turns a stage's {@link Stage#initFrom} reference into the key of that earlier entry of the stage. */
    @FunctionalInterface
    public interface InitFromResolver {
        String keyOf(String stage, String reference);

        InitFromResolver NONE = (stage, reference) -> {
            throw new IllegalStateException("no resolver for " + stage + " init_from " + reference);
        };
    }

    public static RunPlan of(ExperimentSpec spec, PipelineDefinition pipeline, StageRegistry registry, String until) {
        return of(spec, pipeline, registry, until, InitFromResolver.NONE);
    }

    public static RunPlan of(ExperimentSpec spec, PipelineDefinition pipeline, StageRegistry registry, String until,
                             InitFromResolver initFrom) {
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
        Map<String, Planned> planned = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (PipelineDefinition.StageNode s : selected) {
            Optional<Stage<?>> impl = registry.get(s.name());
            if (impl.isEmpty()) {
                missing.add(s.name());
            } else if (planned.keySet().containsAll(s.inputs())) {
                planned.put(s.name(), plan(impl.get(), spec, s, planned, initFrom));
            }
        }
        return new RunPlan(pipeline, selected, planned, missing);
    }

    private static <P extends Record> Planned plan(Stage<P> stage, ExperimentSpec spec, PipelineDefinition.StageNode node,
                                                   Map<String, Planned> upstream, InitFromResolver initFrom) {
        P params = stage.params(spec);
        Map<String, String> inputKeys = new LinkedHashMap<>();
        node.inputs().forEach(in -> inputKeys.put(in, upstream.get(in).key()));
        String reference = stage.initFrom(params);
        if (reference != null && !reference.isBlank()) {
            inputKeys.put(Stage.INIT_FROM, initFrom.keyOf(stage.name(), reference));
        }
        StageKey material = StageKey.of(stage.name(), stage.version(), params, inputKeys);
        return new Planned(stage, params, material, material.key());
    }

    /** Each planned stage's cache key, in dependency order. */
    public Map<String, String> keys() {
        Map<String, String> out = new LinkedHashMap<>();
        planned.forEach((name, p) -> out.put(name, p.key()));
        return out;
    }

    /** Each planned stage's implementation version. */
    public Map<String, Integer> versions() {
        Map<String, Integer> out = new LinkedHashMap<>();
        planned.forEach((name, p) -> out.put(name, p.version()));
        return out;
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
