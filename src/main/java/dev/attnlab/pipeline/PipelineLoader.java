package dev.attnlab.pipeline;

import dev.attnlab.spec.SafeYaml;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecProblem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code pipelines/<name>.yaml} and checks the graph: known keys, unique stage names, inputs
 * that are stages of the pipeline, no cycles. The returned definition lists stages in an order where every input comes first. Problems are reported together
 * as a {@link SpecException} (they are configuration errors, like spec errors).
 */
public final class PipelineLoader {

    private PipelineLoader() { }

    public static PipelineDefinition load(Path pipelinesDir, String name) {
        Path file = pipelinesDir.resolve(name + ".yaml");
        if (!Files.isRegularFile(file)) {
            List<String> known = new ArrayList<>();
            try (var s = Files.list(pipelinesDir)) {
                s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                        .map(f -> f.substring(0, f.length() - 5)).sorted().forEach(known::add);
            } catch (Exception ignored) {
                // no pipelines directory: the message below says where we looked
            }
            throw new SpecException(List.of(new SpecProblem(file.toString(), "pipeline",
                    "pipeline '" + name + "' not found" + (known.isEmpty() ? " (no pipelines in " + pipelinesDir + ")"
                            : "; available: " + String.join(", ", known)))));
        }
        return load(file);
    }

    public static PipelineDefinition load(Path file) {
        List<SpecProblem> problems = new ArrayList<>();
        SafeYaml.Doc doc = SafeYaml.readFile(file, problems);
        if (doc == null) {
            throw new SpecException(problems);
        }
        String label = file.toString();
        if (!(doc.root() instanceof Map<?, ?> root)) {
            throw new SpecException(List.of(new SpecProblem(label, "", "expected a mapping with 'name' and 'stages'")));
        }
        for (Object k : root.keySet()) {
            if (!Set.of("name", "description", "stages").contains(k)) {
                problems.add(new SpecProblem(doc.keyWhere().get(k.toString()), k.toString(),
                        "unknown key; expected name, description, stages"));
            }
        }
        String fileName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        Object name = root.get("name");
        if (name != null && !fileName.equals(name)) {
            problems.add(new SpecProblem(doc.where().get("name"), "name",
                    "expected '" + fileName + "' (the file name), got '" + name + "'"));
        }
        if (!(root.get("stages") instanceof List<?> list) || list.isEmpty()) {
            problems.add(new SpecProblem(doc.where().getOrDefault("stages", label), "stages",
                    "expected a non-empty list of stages ({name, inputs})"));
            throw new SpecException(problems);
        }
        List<PipelineDefinition.StageNode> stages = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            String at = doc.where().getOrDefault("stages[" + i + "]", label);
            if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String stageName)) {
                problems.add(new SpecProblem(at, "stages", "each stage needs a name: {name: x, inputs: [...]}"));
                continue;
            }
            String where = at;
            for (Object k : m.keySet()) {
                if (k.equals("reads")) {
                    problems.add(new SpecProblem(where, "stages." + stageName + ".reads", "no longer used: each stage "
                            + "declares the spec keys it reads in code (Stage.params); remove 'reads'"));
                } else if (!Set.of("name", "inputs").contains(k)) {
                    problems.add(new SpecProblem(where, "stages." + stageName + "." + k,
                            "unknown key; expected name, inputs"));
                }
            }
            if (!names.add(stageName)) {
                problems.add(new SpecProblem(where, "stages." + stageName, "duplicate stage name"));
            }
            List<String> inputs = strings(m.get("inputs"), where, "stages." + stageName + ".inputs", problems);
            stages.add(new PipelineDefinition.StageNode(stageName, inputs, where));
        }
        for (PipelineDefinition.StageNode s : stages) {
            for (String in : s.inputs()) {
                if (!names.contains(in)) {
                    problems.add(new SpecProblem(s.location(), "stages." + s.name() + ".inputs",
                            "input '" + in + "' is not a stage of this pipeline (stages: " + String.join(", ", names) + ")"));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        List<PipelineDefinition.StageNode> ordered = topologicalOrder(stages, label);
        return new PipelineDefinition(fileName, file, List.copyOf(ordered));
    }

    private static List<String> strings(Object v, String where, String path, List<SpecProblem> problems) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
            problems.add(new SpecProblem(where, path, "expected a list of names such as [train, tokenize]"));
            return List.of();
        }
        return l.stream().map(String.class::cast).toList();
    }

    /** Kahn's algorithm, keeping declaration order among ready stages; names the cycle if there is one. */
    private static List<PipelineDefinition.StageNode> topologicalOrder(List<PipelineDefinition.StageNode> stages,
                                                                        String label) {
        Map<String, PipelineDefinition.StageNode> byName = new LinkedHashMap<>();
        stages.forEach(s -> byName.put(s.name(), s));
        Map<String, Integer> pending = new HashMap<>();
        stages.forEach(s -> pending.put(s.name(), new HashSet<>(s.inputs()).size()));
        List<PipelineDefinition.StageNode> out = new ArrayList<>();
        Deque<String> ready = new ArrayDeque<>();
        stages.stream().filter(s -> pending.get(s.name()) == 0).forEach(s -> ready.add(s.name()));
        while (!ready.isEmpty()) {
            String next = ready.poll();
            out.add(byName.get(next));
            for (PipelineDefinition.StageNode s : stages) {
                if (s.inputs().contains(next) && pending.merge(s.name(), -1, Integer::sum) == 0) {
                    ready.add(s.name());
                }
            }
        }
        if (out.size() < stages.size()) {
            List<String> cycle = findCycle(byName, pending);
            throw new SpecException(List.of(new SpecProblem(byName.get(cycle.get(0)).location(), "stages",
                    "the stage graph has a cycle: " + String.join(" -> ", cycle)
                            + "; a stage's inputs must come from stages that do not depend on it")));
        }
        return out;
    }

    private static List<String> findCycle(Map<String, PipelineDefinition.StageNode> byName, Map<String, Integer> pending) {
        // Walk input edges from any stage that never became ready; within the leftover set every stage
        // has an unresolved input, so the walk must revisit a stage.
        String start = pending.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey)
                .sorted().findFirst().orElseThrow();
        List<String> path = new ArrayList<>();
        String cur = start;
        while (!path.contains(cur)) {
            path.add(cur);
            cur = byName.get(cur).inputs().stream().filter(i -> pending.get(i) > 0).findFirst().orElseThrow();
        }
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(cur), path.size()));
        cycle.add(cur);
        java.util.Collections.reverse(cycle); // as data flows: producer -> consumer
        return cycle;
    }
}
