package dev.attnlab.spec;

import dev.attnlab.spec.SpecSchema.Key;
import dev.attnlab.spec.SpecSchema.Type;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads an experiment spec: safe YAML, the {@code extends} chain (deep-merged, child wins),
 * {@code --set key=value} overrides, then validation against {@link SpecSchema} that reports every
 * problem at once. The result is an immutable {@link ExperimentSpec} whose {@code resolved} tree
 * holds every key with its default filled in.
 */
public final class SpecLoader {

    private static final int MAX_EXTENDS_DEPTH = 16;

    private SpecLoader() { }

    public static ExperimentSpec load(Path file) {
        return load(file, List.of());
    }

    /**
     * @param sets overrides as given on the command line, {@code "train.lr=3e-4"}; the value is a
     *             YAML scalar or flow collection ({@code [a, b]}, {@code {d_model: 64}})
     * @throws SpecException listing every problem found
     */
    public static ExperimentSpec load(Path file, List<String> sets) {
        Path spec = file.toAbsolutePath().normalize();
        List<SpecProblem> problems = new ArrayList<>();
        Layered tree = loadChain(spec, file.toString(), new ArrayList<>(), problems);
        if (tree == null) {
            throw new SpecException(problems);
        }
        for (String set : sets) {
            applySet(tree, set, problems); // a malformed --set is reported with the validation problems
        }
        return new Validator(tree, file.toString(), problems).build(spec);
    }

    /** The spec file followed by the files it extends, nearest first (what a change to it touches). */
    public static List<Path> sourceFiles(Path file) {
        List<Path> chain = new ArrayList<>();
        List<SpecProblem> problems = new ArrayList<>();
        Path current = file.toAbsolutePath().normalize();
        while (current != null && !chain.contains(current) && chain.size() <= MAX_EXTENDS_DEPTH) {
            chain.add(current);
            SafeYaml.Doc doc = SafeYaml.readFile(current, problems);
            if (doc == null || !(doc.root() instanceof Map<?, ?> m) || !(m.get("extends") instanceof String parent)) {
                break;
            }
            current = current.getParent().resolve(parent).normalize();
        }
        return chain;
    }

    /** A merged tree with the origin of every key path. */
    private record Layered(Map<String, Object> root, Map<String, String> where, Map<String, String> keyWhere) { }

    private static Layered loadChain(Path file, String label, List<Path> stack, List<SpecProblem> problems) {
        int before = problems.size();
        SafeYaml.Doc doc = SafeYaml.readFile(file, problems);
        if (doc == null) {
            if (problems.size() > before && !label.equals(file.toString())) {
                SpecProblem p = problems.remove(problems.size() - 1);
                problems.add(new SpecProblem(p.location().replace(file.toString(), label), p.keyPath(), p.message()));
            }
            return null;
        }
        if (doc.root() == null) {
            problems.add(new SpecProblem(label, "", "the file is empty; a spec needs at least 'name' and 'data.source'"));
            return null;
        }
        if (!(doc.root() instanceof Map<?, ?>)) {
            problems.add(new SpecProblem(doc.where().get(""), "", "expected a mapping of keys at the top level, got "
                    + describe(doc.root())));
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) doc.root();
        Layered own = new Layered(root, new HashMap<>(doc.where()), new HashMap<>(doc.keyWhere()));
        Object ext = root.remove("extends");
        if (ext == null) {
            return own;
        }
        String extAt = doc.where().get("extends");
        if (!(ext instanceof String parentName) || parentName.isBlank()) {
            problems.add(new SpecProblem(extAt, "extends", "expected a file name (a string), got " + describe(ext)));
            return null;
        }
        Path parent = file.getParent().resolve(parentName).normalize();
        List<Path> chain = new ArrayList<>(stack);
        chain.add(file);
        if (chain.contains(parent)) {
            StringBuilder cycle = new StringBuilder();
            for (Path p : chain.subList(chain.indexOf(parent), chain.size())) {
                cycle.append(p.getFileName()).append(" -> ");
            }
            problems.add(new SpecProblem(extAt, "extends", "extends cycle: " + cycle + parent.getFileName()));
            return null;
        }
        if (chain.size() > MAX_EXTENDS_DEPTH) {
            problems.add(new SpecProblem(extAt, "extends", "extends chain longer than " + MAX_EXTENDS_DEPTH + " files"));
            return null;
        }
        if (!Files.isRegularFile(parent)) {
            problems.add(new SpecProblem(extAt, "extends", "file not found: " + parent
                    + " (paths are relative to the spec that extends them)"));
            return null;
        }
        Layered base = loadChain(parent, parent.toString(), chain, problems);
        if (base == null) {
            return null;
        }
        return merge(base, own);
    }

    private static Layered merge(Layered base, Layered over) {
        Map<String, String> where = new HashMap<>(base.where);
        where.putAll(over.where);
        Map<String, String> keyWhere = new HashMap<>(base.keyWhere);
        keyWhere.putAll(over.keyWhere);
        return new Layered(deepMerge(base.root, over.root), where, keyWhere);
    }

    /** Maps merge key by key; anything else (scalars, lists, null) in {@code over} replaces. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        over.forEach((k, v) -> {
            Object b = out.get(k);
            if (b instanceof Map<?, ?> bm && v instanceof Map<?, ?> vm) {
                out.put(k, deepMerge((Map<String, Object>) bm, (Map<String, Object>) vm));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    private static void applySet(Layered tree, String set, List<SpecProblem> problems) {
        String label = "--set " + set;
        int eq = set.indexOf('=');
        String path = eq < 0 ? "" : set.substring(0, eq).trim();
        if (eq < 0 || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            problems.add(new SpecProblem(label, "", "expected key.path=value, e.g. --set train.lr=3e-4"));
            return;
        }
        if (path.equals("extends")) {
            problems.add(new SpecProblem(label, "extends", "extends cannot be overridden from the command line"));
            return;
        }
        SafeYaml.Doc doc = SafeYaml.readString(set.substring(eq + 1), label, problems);
        if (doc == null) {
            return;
        }
        String[] parts = path.split("\\.");
        Map<String, Object> nested = new LinkedHashMap<>();
        Map<String, Object> cursor = nested;
        for (int i = 0; i < parts.length - 1; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            cursor.put(parts[i], next);
            cursor = next;
        }
        cursor.put(parts[parts.length - 1], doc.root());
        Map<String, String> where = new HashMap<>();
        String prefix = "";
        for (String part : parts) {
            prefix = prefix.isEmpty() ? part : prefix + "." + part;
            where.put(prefix, label);
        }
        doc.where().keySet().forEach(k -> where.put(k.isEmpty() ? path : path + "." + k, label));
        Layered merged = merge(tree, new Layered(nested, where, where));
        tree.root.clear();
        tree.root.putAll(merged.root);
        tree.where.putAll(merged.where);
        tree.keyWhere.putAll(merged.keyWhere);
    }

    static String describe(Object v) {
        if (v == null) {
            return "an empty value";
        }
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof Boolean b) {
            return "boolean " + b;
        }
        if (v instanceof Long l) {
            return "integer " + l;
        }
        if (v instanceof Double d) {
            return "number " + d;
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        return v.toString();
    }

    /** Checks a merged tree against the schema, collecting every problem, and builds the records. */
    private static final class Validator {
        private final Layered tree;
        private final String fileLabel;
        private final List<SpecProblem> problems;
        private final Set<String> bad = new HashSet<>();

        Validator(Layered tree, String fileLabel, List<SpecProblem> problems) {
            this.tree = tree;
            this.fileLabel = fileLabel;
            this.problems = problems;
        }

        ExperimentSpec build(Path file) {
            Map<String, Object> resolved = section("", tree.root);
            crossChecks(resolved);
            if (!problems.isEmpty()) {
                throw new SpecException(problems);
            }
            Map<String, Object> canonical = freeze(resolved);
            return SpecRecords.build(canonical, file);
        }

        private String loc(String path) {
            String at = tree.where.get(path);
            if (at == null) {
                at = tree.keyWhere.get(path);
            }
            return at == null ? fileLabel : at;
        }

        private void problem(String path, String message) {
            bad.add(path);
            problems.add(new SpecProblem(loc(path), path, message));
        }

        private Map<String, Object> section(String prefix, Map<String, Object> given) {
            Map<String, Object> out = new TreeMap<>();
            List<Key> children = SpecSchema.children(prefix);
            Set<String> known = new java.util.LinkedHashSet<>();
            for (Key k : children) {
                known.add(k.name());
                if (k.path().equals("extends")) {
                    continue; // resolved by the loader; not part of the resolved spec
                }
                Object v = given == null ? null : given.get(k.name());
                if (k.type() == Type.SECTION) {
                    if (v != null && !(v instanceof Map<?, ?>)) {
                        problem(k.path(), "expected " + k.expected() + ", got " + describe(v));
                        v = null;
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> sub = (Map<String, Object>) v;
                    out.put(k.name(), section(k.path(), sub));
                } else {
                    out.put(k.name(), leaf(k, v));
                }
            }
            if (given != null) {
                for (String name : given.keySet()) {
                    if (!known.contains(name)) {
                        unknown(prefix, name, known);
                    }
                }
            }
            return out;
        }

        private void unknown(String prefix, String name, Collection<String> siblings) {
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            String at = tree.keyWhere.getOrDefault(path, loc(path));
            String hint = Suggest.closest(name, siblings)
                    .map(s -> "did you mean '" + s + "'?")
                    .orElseGet(() -> elsewhere(name).map(p -> "did you mean '" + p + "'? (it belongs in section '"
                                    + p.substring(0, p.lastIndexOf('.')) + "')")
                            .orElse("valid keys here: " + String.join(", ", siblings)));
            bad.add(path);
            problems.add(new SpecProblem(at, path, "unknown key; " + hint));
        }

        private java.util.Optional<String> elsewhere(String name) {
            return SpecSchema.keys().stream().filter(k -> k.name().equals(name) && !k.parent().isEmpty())
                    .map(Key::path).findFirst();
        }

        private Object leaf(Key k, Object v) {
            if (v == null) {
                if (k.required()) {
                    problem(k.path(), "required key is missing; expected " + k.expected());
                    return k.type() == Type.STRING ? "" : null;
                }
                return k.defaultValue();
            }
            String got = ", got " + describe(v);
            switch (k.type()) {
                case STRING -> {
                    if (!(v instanceof String s)) {
                        String hint = (v instanceof Map<?, ?> || v instanceof List<?>) ? "" : " (quote it if you meant text)";
                        problem(k.path(), "expected " + k.expected() + got + hint);
                        return k.defaultValue();
                    }
                    if (!k.allowed().isEmpty() && !k.allowed().contains(s)) {
                        problem(k.path(), "expected " + k.expected() + got
                                + Suggest.closest(s, k.allowed()).map(x -> "; did you mean '" + x + "'?").orElse(""));
                        return k.defaultValue();
                    }
                    return s;
                }
                case BOOL -> {
                    if (!(v instanceof Boolean)) {
                        problem(k.path(), "expected true or false" + got);
                        return k.defaultValue();
                    }
                    return v;
                }
                case INT, LONG -> {
                    Long l = null;
                    if (v instanceof Long x) {
                        l = x;
                    } else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
                        l = (long) d.doubleValue(); // 1e4 written for 10000
                    }
                    if (l == null || (k.type() == Type.INT && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE))) {
                        problem(k.path(), "expected " + k.expected() + got);
                        return k.defaultValue();
                    }
                    return inRange(k, l, got) ? l : k.defaultValue();
                }
                case DOUBLE -> {
                    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                        problem(k.path(), "expected " + k.expected() + got);
                        return k.defaultValue();
                    }
                    double d = n.doubleValue();
                    return inRange(k, d, got) ? d : k.defaultValue();
                }
                case STRING_LIST -> {
                    if (!(v instanceof List<?> list) || !list.stream().allMatch(x -> x instanceof String)) {
                        problem(k.path(), "expected " + k.expected() + " such as [\"one\", \"two\"]" + got);
                        return k.defaultValue();
                    }
                    return List.copyOf(list);
                }
                default -> throw new IllegalStateException(k.type().toString());
            }
        }

        private boolean inRange(Key k, double d, String got) {
            boolean ok = (k.min() == null || (k.min().inclusive() ? d >= k.min().value() : d > k.min().value()))
                    && (k.max() == null || (k.max().inclusive() ? d <= k.max().value() : d < k.max().value()));
            if (!ok) {
                problem(k.path(), "expected " + k.expected() + got);
            }
            return ok;
        }

        /** Rules that involve more than one key; skipped for keys that already have a problem. */
        private void crossChecks(Map<String, Object> r) {
            String name = (String) r.get("name");
            if (!bad.contains("name") && name.isEmpty()) {
                problem("name", "expected a non-empty name (it names the run directory), got an empty string");
            } else if (!bad.contains("name") && !name.matches(SpecSchema.NAME_PATTERN)) {
                problem("name", "expected letters, digits, '.', '_' or '-' (it names directories), got '" + name + "'");
            }
            String pipeline = (String) r.get("pipeline");
            if (!bad.contains("pipeline") && !pipeline.matches(SpecSchema.NAME_PATTERN)) {
                problem("pipeline", "expected a pipeline name such as language-model, got '" + pipeline + "'");
            }
            String source = str(r, "data.source");
            String kind = str(r, "tokenizer.kind");
            if (ok("data.source", "tokenizer.kind")) {
                if (source.equals("synthetic") && !kind.equals("none")) {
                    problem(tree.where.containsKey("tokenizer.kind") ? "tokenizer.kind" : "data.source",
                            "data.source synthetic produces token ids; it needs tokenizer.kind: none, got '" + kind + "'");
                } else if (!source.equals("synthetic") && kind.equals("none") && !source.isEmpty()) {
                    problem("tokenizer.kind", "tokenizer.kind none only passes synthetic ids through; data.source '"
                            + source + "' needs gpt2 or a bert tokenizer");
                }
            }
            if (ok("data.source", "data.path") && source.equals("text") && str(r, "data.path").isEmpty()) {
                problem("data.path", "data.source text needs data.path (the .txt, .csv or .jsonl file)");
            }
            if (ok("data.encoding") && !isCharset(str(r, "data.encoding"))) {
                problem("data.encoding", "expected a character encoding Java knows, such as utf-8, windows-1252, "
                        + "iso-8859-1 or utf-16, got '" + str(r, "data.encoding") + "'");
            }
            String format = str(r, "data.format");
            if (ok("data.source", "data.format")) {
                if (source.equals("imdb") && !List.of("auto", "csv", "folder").contains(format)) {
                    problem("data.format", "expected one of auto | csv | folder for imdb, got '" + format + "'");
                } else if (source.equals("wikitext") && !List.of("auto", "raw", "tokens").contains(format)) {
                    problem("data.format", "expected one of auto | raw | tokens for wikitext, got '" + format + "'");
                }
            }
            if (ok("tokenizer.special_tokens", "tokenizer.kind") && (Boolean) get(r, "tokenizer.special_tokens")
                    && !kind.startsWith("bert")) {
                problem("tokenizer.special_tokens", "special_tokens ([CLS]/[SEP]) applies to bert tokenizers only, "
                        + "tokenizer.kind is '" + kind + "'");
            }
            if (ok("data.synthetic.min_block_len", "data.synthetic.block_len")
                    && num(r, "data.synthetic.min_block_len") > num(r, "data.synthetic.block_len")) {
                problem("data.synthetic.min_block_len", "expected at most data.synthetic.block_len ("
                        + num(r, "data.synthetic.block_len") + "), got " + num(r, "data.synthetic.min_block_len"));
            }
            long dModel = num(r, "model.d_model");
            long nHeads = num(r, "model.n_heads");
            if (ok("model.d_model", "model.n_heads", "model.d_head") && num(r, "model.d_head") == 0
                    && dModel % nHeads != 0) {
                problem(tree.where.containsKey("model.n_heads") ? "model.n_heads" : "model.d_model",
                        "d_model " + dModel + " is not divisible by n_heads " + nHeads
                                + "; change one or set model.d_head explicitly");
            }
            if (ok("train.steps", "train.epochs") && num(r, "train.steps") == 0 && (Double) get(r, "train.epochs") <= 0) {
                problem("train.epochs", "with train.steps 0 the run length comes from epochs, which must be > 0");
            }
            long nCtx = num(r, "model.n_ctx");
            for (String k : List.of("evaluate.induction_block_len", "interpret.induction_block_len")) {
                if (ok(k, "model.n_ctx") && 2 * num(r, k) > nCtx) {
                    problem(k, "a block repeated twice must fit in model.n_ctx " + nCtx + "; expected <= "
                            + nCtx / 2 + ", got " + num(r, k));
                }
            }
            if (ok("evaluate.icl_early", "evaluate.icl_late", "model.n_ctx")) {
                long early = num(r, "evaluate.icl_early");
                long late = num(r, "evaluate.icl_late");
                if ((early > 0 || late > 0) && !(early < late && late < nCtx)) {
                    problem(tree.where.containsKey("evaluate.icl_late") ? "evaluate.icl_late" : "evaluate.icl_early",
                            "expected 0 <= icl_early < icl_late < model.n_ctx (" + nCtx + "), got " + early + " and " + late);
                }
            }
        }

        private static boolean isCharset(String name) {
            try {
                return java.nio.charset.Charset.isSupported(name);
            } catch (java.nio.charset.IllegalCharsetNameException e) {
                return false;
            }
        }

        private boolean ok(String... paths) {
            for (String p : paths) {
                if (bad.contains(p) || bad.contains(p.substring(0, Math.max(0, p.indexOf('.'))))) {
                    return false;
                }
            }
            return true;
        }
    }

    static Object get(Map<String, Object> tree, String path) {
        Object cur = tree;
        for (String part : path.split("\\.")) {
            cur = ((Map<?, ?>) cur).get(part);
        }
        return cur;
    }

    private static String str(Map<String, Object> tree, String path) {
        Object v = get(tree, path);
        return v == null ? "" : (String) v;
    }

    private static long num(Map<String, Object> tree, String path) {
        return (Long) get(tree, path);
    }

    /** Sorted, unmodifiable, recursively. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> freeze(Map<String, Object> m) {
        TreeMap<String, Object> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> sub ? freeze((Map<String, Object>) sub) : v));
        return Collections.unmodifiableMap(out);
    }
}
