package dev.attnlab.sweep;

import dev.attnlab.spec.Suggest;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and validates a sweep spec. Every problem is collected (not just the first), each with
 * the file, line and column of the offending node, the key path, and what would fix it.
 * YAML is loaded safely: no custom tags, no recursive keys, limited aliases and size.
 */
public final class SweepSpecLoader {

    static final int MAX_BYTES = 1 << 20;
    static final int MAX_VALUES = 10_000;
    static final int MAX_GRID = 100_000;

    private static final Set<String> TOP_KEYS = Set.of("name", "description", "experiment", "method", "metric",
            "parameters", "count", "seed", "early_terminate", "parallel");
    /** wandb sweep keys that have no meaning here, with what to do instead. */
    private static final Map<String, String> WANDB_KEYS = Map.of(
            "program", "attnlab runs the base experiment itself: name it with 'experiment:'",
            "command", "attnlab runs 'attnlab run EXPERIMENT --set key=value' for each trial: remove it",
            "project", "the MLflow experiment comes from the base experiment's tracking.experiment: remove it",
            "entity", "there are no entities in MLflow: remove it",
            "run_cap", "use 'count:' for the total number of trials");
    private static final Set<String> METRIC_KEYS = Set.of("name", "goal", "target");
    private static final Set<String> PARAM_KEYS = Set.of("values", "value", "min", "max", "distribution", "q");
    private static final Set<String> HYPERBAND_KEYS = Set.of("type", "min_iter", "eta");

    /** Problems found so far, reported in file order. */
    private final List<Problem> problems = new ArrayList<>();

    private record Problem(int line, int column, String text) { }
    private final Path file;
    private final StandardConstructor constructor;

    private SweepSpecLoader(Path file, LoadSettings settings) {
        this.file = file;
        this.constructor = new StandardConstructor(settings);
    }

    public static SweepSpec load(Path file) throws SweepSpecException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file.toString())
                .setAllowDuplicateKeys(false)
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(50)
                .setCodePointLimit(MAX_BYTES)
                .build();
        SweepSpecLoader loader = new SweepSpecLoader(file, settings);
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new SweepSpecException(List.of(file + ": larger than " + MAX_BYTES + " bytes; a sweep spec is a small YAML file"));
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SweepSpecException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new SweepSpecException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(loader::at).orElse(file.toString());
            throw new SweepSpecException(List.of(where + ": not valid YAML: " + e.getProblem()));
        } catch (YamlEngineException e) {
            throw new SweepSpecException(List.of(file + ": not valid YAML: " + e.getMessage()));
        }
        if (root.isEmpty() || !(root.get() instanceof MappingNode map)) {
            throw new SweepSpecException(List.of(file + ":1:1: a sweep spec must be a mapping with 'experiment', 'method', 'metric' and 'parameters'"));
        }
        SweepSpec spec = loader.read(map);
        if (!loader.problems.isEmpty()) {
            throw new SweepSpecException(loader.problems.stream()
                    .sorted(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column))
                    .map(Problem::text).toList());
        }
        return spec;
    }

    private SweepSpec read(MappingNode root) {
        Map<String, NodeTuple> top = entries(root, "", TOP_KEYS);
        String name = optionalString(top, "name", "").strip();
        if (name.isEmpty()) {
            String stem = file.getFileName().toString();
            name = stem.endsWith(".yaml") || stem.endsWith(".yml") ? stem.substring(0, stem.lastIndexOf('.')) : stem;
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            problem(top.containsKey("name") ? top.get("name").getValueNode() : root, "name",
                    "'" + name + "' cannot be a directory name: use letters, digits, '.', '_' and '-'");
        }

        Path experiment = null;
        NodeTuple exp = top.get("experiment");
        if (exp == null) {
            problem(root, "experiment", "missing: name the base experiment spec, e.g. 'experiment: ../imdb-1l-sweep-base.yaml'");
        } else {
            String rel = string(exp.getValueNode(), "experiment");
            if (rel != null) {
                Path base = file.toAbsolutePath().getParent();
                experiment = base.resolve(rel).normalize();
                if (!Files.isRegularFile(experiment)) {
                    problem(exp.getValueNode(), "experiment", "no such file " + experiment
                            + " (the path is relative to the sweep file's folder " + base + ")");
                }
            }
        }

        SweepSpec.Method method = null;
        NodeTuple m = top.get("method");
        if (m == null) {
            problem(root, "method", "missing: one of grid, random, bayes");
        } else {
            method = enumValue(m.getValueNode(), "method", SweepSpec.Method.class);
        }

        SweepSpec.Metric metric = readMetric(top.get("metric"), root);
        List<Parameter> parameters = readParameters(top.get("parameters"), root);

        int count = optionalInt(top, "count", 0, 1);
        long seed = top.containsKey("seed") ? longValue(top.get("seed").getValueNode(), "seed") : 0L;
        int parallel = optionalInt(top, "parallel", 1, 1);
        Optional<SweepSpec.Hyperband> hyperband = readHyperband(top.get("early_terminate"));

        if (method == SweepSpec.Method.GRID) {
            for (Parameter p : parameters) {
                if (p instanceof Parameter.Range r && r.distribution() != Parameter.Distribution.INT_UNIFORM
                        && !(r.distribution() == Parameter.Distribution.Q_UNIFORM)) {
                    problem(top.get("parameters").getValueNode(), "parameters." + p.path(),
                            "grid search needs a finite set: give 'values: [...]', or int_uniform/q_uniform bounds");
                }
            }
        } else if (method != null && count == 0 && !parameters.isEmpty()) {
            problem(root, "count", "missing: " + method.name().toLowerCase(Locale.ROOT)
                    + " search needs the total number of trials, e.g. 'count: 20'");
        }
        if (method == SweepSpec.Method.GRID && problems.isEmpty()) {
            long size = GridSampler.size(parameters);
            if (size > MAX_GRID) {
                problem(top.get("parameters").getValueNode(), "parameters",
                        "the grid has " + size + " points (limit " + MAX_GRID + "): use random or bayes search");
            }
            count = count == 0 ? (int) size : (int) Math.min(count, size);
        }
        if (problems.isEmpty() && parameters.isEmpty()) {
            problem(root, "parameters", "missing: at least one experiment key to vary, e.g. 'train.lr: {min: 1e-4, max: 1e-2, distribution: log_uniform_values}'");
        }
        return problems.isEmpty()
                ? new SweepSpec(name, file, experiment, method, metric, parameters, count, seed, hyperband, parallel)
                : null;
    }

    private SweepSpec.Metric readMetric(NodeTuple tuple, Node root) {
        if (tuple == null) {
            problem(root, "metric", "missing: e.g. 'metric: {name: val/loss, goal: minimize}'");
            return null;
        }
        if (!(tuple.getValueNode() instanceof MappingNode map)) {
            problem(tuple.getValueNode(), "metric", "expected a mapping {name: ..., goal: minimize|maximize}");
            return null;
        }
        Map<String, NodeTuple> keys = entries(map, "metric.", METRIC_KEYS);
        if (keys.containsKey("target")) {
            problem(keys.get("target").getKeyNode(), "metric.target", "not supported: stop a sweep with 'count'");
        }
        String name = null;
        if (!keys.containsKey("name")) {
            problem(map, "metric.name", "missing: the metric trials log, e.g. val/loss");
        } else {
            name = string(keys.get("name").getValueNode(), "metric.name");
        }
        SweepSpec.Goal goal = SweepSpec.Goal.MINIMIZE;
        if (keys.containsKey("goal")) {
            goal = enumValue(keys.get("goal").getValueNode(), "metric.goal", SweepSpec.Goal.class);
        }
        return name == null || goal == null ? null : new SweepSpec.Metric(name, goal);
    }

    private List<Parameter> readParameters(NodeTuple tuple, Node root) {
        List<Parameter> out = new ArrayList<>();
        if (tuple == null) {
            problem(root, "parameters", "missing: the experiment keys to vary, e.g. 'train.lr: {values: [1e-4, 3e-4]}'");
            return out;
        }
        if (!(tuple.getValueNode() instanceof MappingNode map)) {
            problem(tuple.getValueNode(), "parameters", "expected a mapping of experiment key paths (train.lr, model.d_model, ...)");
            return out;
        }
        Map<String, Class<?>> sweepable = SpecKeys.sweepable();
        for (NodeTuple entry : map.getValue()) {
            String path = scalarKey(entry.getKeyNode(), "parameters");
            if (path == null) {
                continue;
            }
            String where = "parameters." + path;
            Class<?> type = sweepable.get(path);
            if (type == null) {
                String why = path.startsWith("tracking.") || path.equals("train.threads")
                        || path.equals("name") || path.equals("extends") || path.equals("pipeline")
                        ? "cannot be swept" : "not an experiment spec key path";
                problem(entry.getKeyNode(), where, why + Suggest.hint(path, sweepable.keySet())
                        + "; parameters are dotted paths like train.lr or model.d_model");
                continue;
            }
            Parameter p = readParameter(path, type, entry.getValueNode());
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    private Parameter readParameter(String path, Class<?> type, Node node) {
        String where = "parameters." + path;
        if (!(node instanceof MappingNode map)) {
            problem(node, where, "expected a mapping: {values: [...]} or {min: .., max: .., distribution: ..}");
            return null;
        }
        Map<String, NodeTuple> keys = entries(map, where + ".", PARAM_KEYS);
        if (keys.containsKey("value")) {
            Object v = typed(keys.get("value").getValueNode(), where + ".value", type);
            return v == null ? null : new Parameter.Choice(path, List.of(v));
        }
        if (keys.containsKey("values")) {
            if (keys.containsKey("min") || keys.containsKey("max") || keys.containsKey("distribution")) {
                problem(map, where, "give either 'values' or 'min'/'max', not both");
                return null;
            }
            Node valuesNode = keys.get("values").getValueNode();
            if (!(valuesNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                problem(valuesNode, where + ".values", "expected a non-empty list, e.g. [64, 128]");
                return null;
            }
            if (seq.getValue().size() > MAX_VALUES) {
                problem(valuesNode, where + ".values", "more than " + MAX_VALUES + " values");
                return null;
            }
            List<Object> values = new ArrayList<>();
            boolean ok = true;
            for (Node item : seq.getValue()) {
                Object v = typed(item, where + ".values", type);
                if (v == null) {
                    ok = false;
                } else if (values.contains(v)) {
                    problem(item, where + ".values", "duplicate value " + v);
                    ok = false;
                } else {
                    values.add(v);
                }
            }
            return ok ? new Parameter.Choice(path, values) : null;
        }
        if (!keys.containsKey("min") || !keys.containsKey("max")) {
            problem(map, where, "expected 'values: [...]' or both 'min' and 'max'");
            return null;
        }
        if (!SpecKeys.isNumeric(type)) {
            problem(map, where, "min/max need a numeric key; " + path + " is a " + typeName(type) + ": use 'values'");
            return null;
        }
        Double min = number(keys.get("min").getValueNode(), where + ".min");
        Double max = number(keys.get("max").getValueNode(), where + ".max");
        Parameter.Distribution dist = null;
        if (keys.containsKey("distribution")) {
            Node d = keys.get("distribution").getValueNode();
            String s = string(d, where + ".distribution");
            if (s != null) {
                for (Parameter.Distribution c : Parameter.Distribution.values()) {
                    if (c.yamlName.equals(s)) {
                        dist = c;
                    }
                }
                if (dist == null) {
                    List<String> names = java.util.Arrays.stream(Parameter.Distribution.values()).map(x -> x.yamlName).toList();
                    String extra = s.equals("log_uniform")
                            ? " (wandb's log_uniform takes exponents; attnlab takes the values themselves: use log_uniform_values)"
                            : Suggest.hint(s, names);
                    problem(d, where + ".distribution", "unknown '" + s + "', expected one of " + names + extra);
                }
            }
        } else {
            dist = SpecKeys.isInteger(type) && isWhole(min) && isWhole(max)
                    ? Parameter.Distribution.INT_UNIFORM : Parameter.Distribution.UNIFORM;
        }
        double q = 1.0;
        if (keys.containsKey("q")) {
            Double qv = number(keys.get("q").getValueNode(), where + ".q");
            if (qv != null && qv <= 0) {
                problem(keys.get("q").getValueNode(), where + ".q", "must be > 0");
            } else if (qv != null) {
                q = qv;
            }
            if (dist != null && dist != Parameter.Distribution.Q_UNIFORM) {
                problem(keys.get("q").getKeyNode(), where + ".q", "only used with distribution: q_uniform");
            }
        }
        if (min == null || max == null || dist == null) {
            return null;
        }
        if (!(min < max)) {
            problem(keys.get("max").getValueNode(), where + ".max", "must be greater than min (" + min + ")");
            return null;
        }
        if (dist == Parameter.Distribution.LOG_UNIFORM_VALUES && min <= 0) {
            problem(keys.get("min").getValueNode(), where + ".min", "log_uniform_values needs min > 0");
            return null;
        }
        if (dist == Parameter.Distribution.INT_UNIFORM && (!isWhole(min) || !isWhole(max))) {
            problem(map, where, "int_uniform needs whole-number min and max");
            return null;
        }
        boolean integer = SpecKeys.isInteger(type);
        if (integer && dist != Parameter.Distribution.INT_UNIFORM
                && !(dist == Parameter.Distribution.Q_UNIFORM && isWhole(q) && isWhole(min))) {
            if (dist != Parameter.Distribution.LOG_UNIFORM_VALUES) {
                problem(map, where, path + " is an integer: use int_uniform, q_uniform with whole q, or values");
                return null;
            }
        }
        return new Parameter.Range(path, min, max, dist, q, integer);
    }

    private Optional<SweepSpec.Hyperband> readHyperband(NodeTuple tuple) {
        if (tuple == null) {
            return Optional.empty();
        }
        if (!(tuple.getValueNode() instanceof MappingNode map)) {
            problem(tuple.getValueNode(), "early_terminate", "expected {type: hyperband, min_iter: N, eta: 3}");
            return Optional.empty();
        }
        Map<String, NodeTuple> keys = entries(map, "early_terminate.", HYPERBAND_KEYS);
        String type = keys.containsKey("type") ? string(keys.get("type").getValueNode(), "early_terminate.type") : null;
        if (type == null) {
            if (!keys.containsKey("type")) {
                problem(map, "early_terminate.type", "missing: the only type is hyperband");
            }
            return Optional.empty();
        }
        if (!type.equals("hyperband")) {
            problem(keys.get("type").getValueNode(), "early_terminate.type", "unknown '" + type + "': the only type is hyperband");
            return Optional.empty();
        }
        int minIter = optionalInt(keys, "min_iter", 1, 1);
        int eta = optionalInt(keys, "eta", 3, 2);
        return Optional.of(new SweepSpec.Hyperband(minIter, eta));
    }

    // ---- node helpers -------------------------------------------------------------------

    /** The keys of a mapping; unknown ones are reported with a suggestion. */
    private Map<String, NodeTuple> entries(MappingNode map, String prefix, Set<String> known) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String key = scalarKey(t.getKeyNode(), prefix.isEmpty() ? "(top level)" : prefix.substring(0, prefix.length() - 1));
            if (key == null) {
                continue;
            }
            if (!known.contains(key)) {
                String wandb = prefix.isEmpty() ? WANDB_KEYS.get(key) : null;
                problem(t.getKeyNode(), prefix + key, wandb != null ? "not used by attnlab: " + wandb
                        : "unknown key" + Suggest.hint(key, known) + "; expected one of " + new java.util.TreeSet<>(known));
                continue;
            }
            out.put(key, t);
        }
        return out;
    }

    private String scalarKey(Node node, String where) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        problem(node, where, "keys must be plain strings");
        return null;
    }

    /** The node's Java value, or null (reported) for what safe loading refuses, e.g. a custom tag. */
    private Object construct(Node node) {
        try {
            return constructor.constructSingleDocument(Optional.of(node));
        } catch (YamlEngineException e) {
            problem(node, "(value)", "not allowed: " + e.getMessage().lines().findFirst().orElse("")
                    + " (sweep specs take plain values, no YAML tags)");
            return null;
        }
    }

    private String string(Node node, String where) {
        if (node instanceof ScalarNode s && construct(s) instanceof String str && !str.isBlank()) {
            return str.strip();
        }
        problem(node, where, "expected a non-empty string");
        return null;
    }

    private Double number(Node node, String where) {
        if (node instanceof ScalarNode s && construct(s) instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        problem(node, where, "expected a number");
        return null;
    }

    private long longValue(Node node, String where) {
        if (node instanceof ScalarNode s && construct(s) instanceof Number n && isWhole(n.doubleValue())) {
            return n.longValue();
        }
        problem(node, where, "expected a whole number");
        return 0;
    }

    private int optionalInt(Map<String, NodeTuple> keys, String key, int dflt, int atLeast) {
        NodeTuple t = keys.get(key);
        if (t == null) {
            return dflt;
        }
        Node node = t.getValueNode();
        if (node instanceof ScalarNode s && construct(s) instanceof Number n && isWhole(n.doubleValue())
                && n.doubleValue() >= atLeast && n.doubleValue() <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        problem(node, key, "expected a whole number ≥ " + atLeast);
        return dflt;
    }

    private String optionalString(Map<String, NodeTuple> keys, String key, String dflt) {
        NodeTuple t = keys.get(key);
        if (t == null) {
            return dflt;
        }
        String s = string(t.getValueNode(), key);
        return s == null ? dflt : s;
    }

    private <E extends Enum<E>> E enumValue(Node node, String where, Class<E> type) {
        String s = string(node, where);
        if (s == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String n = e.name().toLowerCase(Locale.ROOT);
            names.add(n);
            if (n.equals(s)) {
                return e;
            }
        }
        problem(node, where, "unknown '" + s + "', expected one of " + names + Suggest.hint(s, names));
        return null;
    }

    /** A scalar value checked against (and converted to) the spec key's type. */
    private Object typed(Node node, String where, Class<?> type) {
        if (!(node instanceof ScalarNode s)) {
            problem(node, where, "expected a single " + typeName(type) + " value");
            return null;
        }
        Object v = construct(s);
        if (SpecKeys.isInteger(type) && v instanceof Number n && isWhole(n.doubleValue())) {
            return n.longValue();
        }
        if (type == double.class && v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        if (type == boolean.class && v instanceof Boolean b) {
            return b;
        }
        if (type == String.class && v != null && !(v instanceof Map) && !(v instanceof List)) {
            return String.valueOf(v);
        }
        problem(node, where, "expected a " + typeName(type) + ", got '" + s.getValue() + "'");
        return null;
    }

    private static String typeName(Class<?> type) {
        if (SpecKeys.isInteger(type)) {
            return "whole number";
        }
        return type == double.class ? "number" : type == boolean.class ? "boolean (true/false)" : "string";
    }

    private static boolean isWhole(Double d) {
        return d != null && d == Math.rint(d) && Math.abs(d) < 9e15;
    }

    private void problem(Node node, String key, String message) {
        Optional<Mark> mark = node.getStartMark();
        String where = mark.map(this::at).orElse(file.toString());
        problems.add(new Problem(mark.map(Mark::getLine).orElse(0), mark.map(Mark::getColumn).orElse(0),
                where + ": " + key + ": " + message));
    }

    private String at(Mark mark) {
        return file + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
    }
}
