package dev.attnlab.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every key an experiment spec may hold: its type, default, allowed values, range and meaning.
 * The loader validates against this list, fills defaults from it, and the README's spec reference
 * is rendered from it ({@link #markdown()}), so the three can never disagree.
 */
public final class SpecSchema {

    public enum Type {
        STRING("string"), INT("integer"), LONG("integer"), DOUBLE("number"), BOOL("boolean"),
        STRING_LIST("list of strings"), SECTION("section");

        final String label;

        Type(String label) { this.label = label; }

        public String label() { return label; }
    }

    /** A numeric bound; {@code inclusive} decides between >= and >. */
    public record Bound(double value, boolean inclusive) { }

    /**
     * One key. {@code path} is dotted (e.g. {@code model.d_model}); {@code allowed} is empty when any
     * value of the type is accepted; {@code min}/{@code max} are null when unbounded.
     */
    public record Key(String path, Type type, Object defaultValue, List<String> allowed,
                      Bound min, Bound max, boolean required, String meaning) {

        public String name() {
            int i = path.lastIndexOf('.');
            return i < 0 ? path : path.substring(i + 1);
        }

        public String parent() {
            int i = path.lastIndexOf('.');
            return i < 0 ? "" : path.substring(0, i);
        }

        /** What a valid value looks like, for error messages: "an integer >= 1", "one of a | b". */
        public String expected() {
            if (!allowed.isEmpty()) {
                return "one of " + String.join(" | ", allowed);
            }
            String article = (type == Type.INT || type == Type.LONG) ? "an " : "a ";
            String what = type == Type.SECTION ? "section (a mapping of keys)" : type.label;
            String range = range();
            return article + what + (range.isEmpty() ? "" : " " + range);
        }

        /** The numeric range as text: "> 0", ">= 1", "in [0, 1)"; "" when unbounded. */
        public String range() {
            if (min != null && max != null) {
                return "in " + (min.inclusive ? "[" : "(") + num(min.value) + ", " + num(max.value)
                        + (max.inclusive ? "]" : ")");
            }
            if (min != null) {
                return (min.inclusive ? ">= " : "> ") + num(min.value);
            }
            if (max != null) {
                return (max.inclusive ? "<= " : "< ") + num(max.value);
            }
            return "";
        }
    }

    /** Spec and experiment names become directory names, so they are restricted to this pattern. */
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private static final List<Key> KEYS = new ArrayList<>();
    private static final Map<String, Key> BY_PATH = new LinkedHashMap<>();

    static {
        str("name", null, true, "Experiment name (letters, digits, `.`, `_`, `-`): names the run directory and the MLflow experiment.");
        str("description", "", false, "Free text describing the experiment.");
        str("extends", null, false, "Another spec file (relative to this one) whose keys this spec inherits and overrides.");
        str("pipeline", "language-model", false, "Stage graph to run: `pipelines/<pipeline>.yaml`.");
        integerL("seed", 0L, ge(0), null, "Seed for data splits, synthetic data, initialisation and batching.");

        section("data", "Where documents come from and how they are split.");
        choice("data.source", null, true, "Document source.", SpecChoice.values(DataSpec.Source.class));
        str("data.dir", "", false, "Data directory; \"\" = `$ATTNLAB_DATA`, else `~/.cache/attnlab/data`.");
        str("data.path", "", false, "text: the input file (required); imdb/wikitext: an explicit folder or file overriding `dir`.");
        str("data.text_column", "text", false, "text source: the CSV column or JSONL field holding the text.");
        str("data.encoding", "utf-8", false, "text source: the file's character encoding, a Java charset name (`utf-8`, `windows-1252`, `iso-8859-1`, `utf-16`); a leading byte-order mark is skipped.");
        choice("data.variant", "wikitext-103", false, "wikitext: which dataset.", SpecChoice.values(DataSpec.Variant.class));
        choice("data.format", "auto", false, "imdb: auto | csv | folder; wikitext: auto | raw | tokens (auto = raw).",
                SpecChoice.values(DataSpec.Format.class));
        integerL("data.max_lines", 0L, ge(0), null, "wikitext: read only the first N lines of the train split; 0 = all.");
        integerL("data.max_documents", 0L, ge(0), null, "Keep at most N documents per split; 0 = all.");
        choice("data.split", "dataset", false, "`dataset` = the dataset's own splits; `fraction` = a seeded held-out fraction.",
                SpecChoice.values(DataSpec.Split.class));
        real("data.val_fraction", 0.05, gt(0), lt(1), "Held-out validation fraction when `split: fraction`.");
        bool("data.download", true, "Fetch a missing named dataset from its canonical address (sha256-checked).");
        section("data.preprocess", "Text preprocessing applied before tokenizing (the notebooks' options).");
        bool("data.preprocess.lowercase", false, "Lower-case the text.");
        bool("data.preprocess.strip_br", false, "Remove `<br />` tags (IMDB).");
        bool("data.preprocess.space_before_punct", false, "Insert a space before punctuation.");
        section("data.synthetic", "Repeated random tokens: a random prefix, then a random block repeated.");
        integer("data.synthetic.vocab", 1000, ge(2), null, "Token ids are drawn from [0, vocab).");
        integer("data.synthetic.block_len", 24, ge(1), null, "Length of the random block that repeats (the longest, with min_block_len).");
        integer("data.synthetic.min_block_len", 0, ge(0), null,
                "Shortest block; lengths are uniform in [min_block_len, block_len], so the distance between copies varies and only an induction head predicts the repeat. 0 = fixed at block_len.");
        integer("data.synthetic.repeats", 2, ge(1), null, "How many times the block appears in a sequence.");
        integer("data.synthetic.max_prefix", 16, ge(0), null, "Maximum length of the random prefix before the first block.");
        integer("data.synthetic.train_sequences", 20000, ge(1), null, "Sequences in the train split.");
        integer("data.synthetic.val_sequences", 500, ge(1), null, "Sequences in the validation split.");
        integer("data.synthetic.test_sequences", 500, ge(0), null, "Sequences in the test split (0 = none).");

        section("tokenizer", "How text becomes token ids.");
        choice("tokenizer.kind", "gpt2", false, "Tokenizer; `none` passes synthetic ids through (and is required for them).",
                SpecChoice.values(TokenizerSpec.Kind.class));
        str("tokenizer.vocab", "", false, "bert: a vocab.txt; gpt2: a folder with encoder.json + vocab.bpe; \"\" = default location.");
        choice("tokenizer.packing", "concat", false, "`concat` joins documents into one stream; `truncate` keeps one window per document.",
                SpecChoice.values(TokenizerSpec.Packing.class));
        bool("tokenizer.special_tokens", false, "bert: wrap each document in [CLS] ... [SEP].");

        section("model", "The transformer.");
        integer("model.n_layers", 2, ge(1), null, "Number of blocks.");
        integer("model.d_model", 128, ge(1), null, "Residual stream width.");
        integer("model.n_heads", 4, ge(1), null, "Attention heads per block.");
        integer("model.d_head", 0, ge(0), null, "Width of each head; 0 = d_model / n_heads.");
        integer("model.n_ctx", 64, ge(2), null, "Context length in tokens.");
        choice("model.positional", "learned", false, "Positional embedding.", SpecChoice.values(ModelSpec.Positional.class));
        choice("model.norm", "none", false, "Normalisation.", SpecChoice.values(ModelSpec.Norm.class));
        choice("model.mlp", "none", false, "MLP after each attention layer: none, a linear layer, or a GELU MLP.", SpecChoice.values(ModelSpec.Mlp.class));
        integer("model.d_mlp", 0, ge(0), null, "MLP width; 0 = 4 * d_model (gelu) or d_model (linear).");
        bool("model.residual", true, "Residual connections around attention and MLP.");
        bool("model.share_layer_weights", false, "One block applied n_layers times.");
        bool("model.attn_bias", true, "Biases in the attention projections.");
        bool("model.unembed_bias", true, "Bias in the unembedding.");
        real("model.init_scale", 0.02, gt(0), null, "Standard deviation of the initial weights.");

        section("train", "The optimiser (AdamW) and the training loop.");
        real("train.lr", 1.0e-3, gt(0), null, "Peak learning rate.");
        real("train.beta1", 0.9, ge(0), lt(1), "AdamW beta1.");
        real("train.beta2", 0.999, ge(0), lt(1), "AdamW beta2.");
        real("train.eps", 1.0e-8, gt(0), null, "AdamW epsilon.");
        real("train.weight_decay", 0.01, ge(0), null, "AdamW decoupled weight decay.");
        bool("train.decay_embeddings", false, "Apply weight decay to embeddings.");
        bool("train.decay_biases", false, "Apply weight decay to biases.");
        choice("train.schedule", "constant", false, "Learning-rate schedule.", SpecChoice.values(TrainSpec.Schedule.class));
        integer("train.warmup_steps", 0, ge(0), null, "Linear warm-up steps (warmup_cosine).");
        real("train.min_lr_ratio", 0.1, ge(0), le(1), "Final learning rate as a fraction of lr (warmup_cosine).");
        real("train.grad_clip", 0.0, ge(0), null, "Clip the global gradient norm to this value; 0 = off.");
        integer("train.batch_size", 32, ge(1), null, "Sequences per step.");
        integerL("train.steps", 0L, ge(0), null, "Optimiser steps; 0 = use epochs.");
        real("train.epochs", 1.0, ge(0), null, "Passes over the training windows (used when steps = 0).");
        integer("train.eval_every", 200, ge(0), null, "Validate every N steps; 0 = only at the end.");
        integer("train.eval_batches", 20, ge(0), null, "Validation batches per evaluation; 0 = the whole split.");
        integer("train.checkpoint_every", 0, ge(0), null, "Checkpoint every N steps; 0 = only at the end.");
        choice("train.resume", "none", false, "Resume from the latest checkpoint of an interrupted attempt with the same cache key (not part of the key).", SpecChoice.values(TrainSpec.Resume.class));
        integer("train.log_every", 1, ge(1), null, "Log training metrics every N steps.");
        integer("train.threads", 0, ge(0), null, "threads of attnlab's kernels (split GEMMs, softmax, AdamW; OpenBLAS and ND4J stay at one); 0 = OMP_NUM_THREADS (not part of the cache key).");
        str("train.init_from", "", false, "Start from the final weights, optimizer state and step of another train stage: a run directory "
                + "(or `runs/<name>` for its latest run), a spec file or name in `experiments/`, or a train stage key. Its key becomes "
                + "part of this one; `steps`/`epochs` count from 0, so they must exceed the steps it already took. \"\" = from scratch.");

        section("evaluate", "Held-out evaluation.");
        integer("evaluate.max_batches", 50, ge(0), null, "Test/validation batches to score; 0 = the whole split.");
        integer("evaluate.icl_early", 0, ge(0), null, "Early position for the in-context-learning score; 0 = automatic.");
        integer("evaluate.icl_late", 0, ge(0), null, "Late position for the in-context-learning score; 0 = automatic.");
        integer("evaluate.induction_block_len", 0, ge(0), null, "Repeated-random-token task block length; 0 = n_ctx / 2.");
        integer("evaluate.induction_batches", 4, ge(0), null, "Batches of the repeated-random-token task; 0 = skip it.");

        section("interpret", "Attention pictures, head scores and ablations.");
        bool("interpret.enabled", true, "Run the interpret stage's analyses.");
        strList("interpret.prompts", "Extra prompts whose attention patterns are drawn.");
        integer("interpret.samples", 2, ge(0), null, "Validation sequences whose attention patterns are drawn.");
        integer("interpret.every", 0, ge(0), null, "Head scores every N training steps; 0 = off.");
        integer("interpret.top_k", 20, ge(1), null, "Rows kept in top-k tables.");
        bool("interpret.ablation", true, "Run head ablations.");
        integer("interpret.vocab_chunk", 4096, ge(1), null, "Vocabulary chunk size for full-vocabulary analyses.");
        integer("interpret.induction_block_len", 0, ge(0), null, "Block length for induction scores; 0 = n_ctx / 2.");

        section("tracking", "Where params, metrics and artifacts go besides the run directory. Never part of a cache key.");
        choice("tracking.backend", "mlflow", false, "Remote tracking backend; `none` = run directory only.", SpecChoice.values(TrackingSpec.Backend.class));
        str("tracking.experiment", "", false, "MLflow experiment; \"\" = the spec name.");
        str("tracking.run_name", "", false, "Run name; \"\" = spec name + timestamp.");
    }

    private SpecSchema() { }

    public static List<Key> keys() { return Collections.unmodifiableList(KEYS); }

    public static Optional<Key> key(String path) { return Optional.ofNullable(BY_PATH.get(path)); }

    /** Keys directly under a section ("" = top level), in declaration order. */
    public static List<Key> children(String section) {
        List<Key> out = new ArrayList<>();
        for (Key k : KEYS) {
            if (k.parent().equals(section)) {
                out.add(k);
            }
        }
        return out;
    }

    /** The spec reference table for the README, one row per key. */
    public static String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("# Spec reference\n\n")
                .append("Generated from `dev.attnlab.spec.SpecSchema` by `attnlab schema --markdown`; do not edit by hand.\n")
                .append("Keys are snake_case. A key left out takes its default. `null` (an empty value) means the default.\n\n")
                .append("| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
        for (Key k : KEYS) {
            String def = k.required ? "*(required)*" : k.type == Type.SECTION ? ""
                    : k.defaultValue == null ? "*(none)*" : "`" + render(k.defaultValue) + "`";
            String allowed = !k.allowed.isEmpty() ? String.join(" \\| ", k.allowed) : k.range();
            s.append("| `").append(k.path).append("` | ").append(k.type.label).append(" | ").append(def)
                    .append(" | ").append(allowed).append(" | ").append(k.meaning.replace("|", "\\|")).append(" |\n");
        }
        return s.toString();
    }

    private static String render(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof String str) {
            return str.isEmpty() ? "\"\"" : str;
        }
        if (v instanceof List<?> l) {
            return l.isEmpty() ? "[]" : l.toString();
        }
        if (v instanceof Double d) {
            return num(d);
        }
        return v.toString();
    }

    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        String s = Double.toString(d);
        return s.contains("E") ? String.format(java.util.Locale.ROOT, "%.1e", d).replace("e-0", "e-") : s;
    }

    private static Bound ge(double v) { return new Bound(v, true); }

    private static Bound gt(double v) { return new Bound(v, false); }

    private static Bound le(double v) { return new Bound(v, true); }

    private static Bound lt(double v) { return new Bound(v, false); }

    private static void add(Key k) {
        if (BY_PATH.put(k.path, k) != null) {
            throw new IllegalStateException("duplicate schema key " + k.path);
        }
        if (!k.parent().isEmpty() && (BY_PATH.get(k.parent()) == null || BY_PATH.get(k.parent()).type != Type.SECTION)) {
            throw new IllegalStateException("schema key " + k.path + " declared before its section");
        }
        KEYS.add(k);
    }

    private static void str(String path, String def, boolean required, String meaning) {
        add(new Key(path, Type.STRING, def, List.of(), null, null, required, meaning));
    }

    private static void choice(String path, String def, boolean required, String meaning, String... allowed) {
        add(new Key(path, Type.STRING, def, List.of(allowed), null, null, required, meaning));
    }

    private static void integer(String path, int def, Bound min, Bound max, String meaning) {
        add(new Key(path, Type.INT, (long) def, List.of(), min, max, false, meaning));
    }

    private static void integerL(String path, long def, Bound min, Bound max, String meaning) {
        add(new Key(path, Type.LONG, def, List.of(), min, max, false, meaning));
    }

    private static void real(String path, double def, Bound min, Bound max, String meaning) {
        add(new Key(path, Type.DOUBLE, def, List.of(), min, max, false, meaning));
    }

    private static void bool(String path, boolean def, String meaning) {
        add(new Key(path, Type.BOOL, def, List.of(), null, null, false, meaning));
    }

    private static void strList(String path, String meaning) {
        add(new Key(path, Type.STRING_LIST, List.of(), List.of(), null, null, false, meaning));
    }

    private static void section(String path, String meaning) {
        add(new Key(path, Type.SECTION, null, List.of(), null, null, false, meaning));
    }
}
