package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.Random;

import static dev.attnlab.model.Kernels.Causal.LOWER_LEFT;
import static dev.attnlab.model.Kernels.Causal.LOWER_LEFT_T;
import static dev.attnlab.model.Kernels.Causal.LOWER_RESULT;

/**
 * A decoder-only transformer (attention-only by default), forward AND backward written by hand on
 * ND4J arrays: no SameDiff graph, so no executor overhead and none of its broken gradients (see
 * docs/model.md). Read top to bottom: parameters, forward (which records every TransformerLens hook),
 * loss, backward. The same {@link #forward} serves training and {@link #run}.
 *
 * <p>Shapes: B batch, T positions (T ≤ n_ctx), N = B·T tokens, D d_model, H heads, d d_head,
 * HD = H·d, M d_mlp, V d_vocab. Parameters are kept in a matmul-friendly layout
 * (W_Q as [D, HD], W_O as [HD, D]); {@link #stateDict()} converts to TransformerLens's layout.
 * Parameter names are TransformerLens's; with shared layer weights only {@code blocks.0.*} exist.
 */
public final class Transformer implements HookedModel {

    public static final double LN_EPS = 1e-5;
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_K = 0.044715;

    private final ModelConfig cfg;
    private final DataType dtype;
    private final Map<String, INDArray> params;    // fixed order: optimizer state follows it
    private final INDArray fixedPos;               // [n_ctx, D] sinusoidal table, else null

    // ---------------------------------------------------------------- parameters

    /** A freshly initialised model: weights ~ N(0, init_scale²), biases 0, layer-norm gains 1. */
    public static Transformer init(ModelConfig cfg, DataType dtype, long seed) {
        validate(cfg);
        Random rng = new Random(seed);
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : parameterShapes(cfg).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            INDArray a = Nd4j.zeros(dtype, shape);
            if (isGain(name)) {
                a.assign(1.0);
            } else if (!isBiasLike(name)) {
                double[] v = new double[(int) a.length()];
                for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian() * cfg.initScale();
                a.assign(Nd4j.create(v, shape, dtype));
            }
            p.put(name, a);
        }
        return new Transformer(cfg, dtype, p);
    }

    /** A model over existing parameters (internal layout, see {@link #parameterShapes}). */
    public static Transformer of(ModelConfig cfg, Map<String, INDArray> params) {
        validate(cfg);
        Map<String, long[]> shapes = parameterShapes(cfg);
        Map<String, INDArray> p = new LinkedHashMap<>();
        DataType dt = null;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            INDArray a = params.get(e.getKey());
            if (a == null) throw new IllegalArgumentException("missing parameter " + e.getKey());
            if (!java.util.Arrays.equals(a.shape(), e.getValue())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape "
                        + java.util.Arrays.toString(a.shape()) + ", expected " + java.util.Arrays.toString(e.getValue()));
            }
            dt = a.dataType();
            p.put(e.getKey(), a);
        }
        return new Transformer(cfg, dt, p);
    }

    private Transformer(ModelConfig cfg, DataType dtype, Map<String, INDArray> params) {
        this.cfg = cfg;
        this.dtype = dtype;
        this.params = params;
        this.fixedPos = cfg.positional() == ModelSpec.Positional.SINUSOIDAL ? sinusoidal(cfg.nCtx(), cfg.dModel(), dtype) : null;
    }

    /** Every trainable parameter's name and internal shape, in a fixed order. */
    public static Map<String, long[]> parameterShapes(ModelConfig c) {
        long D = c.dModel(), HD = (long) c.nHeads() * c.dHead(), M = c.dMlp(), V = c.dVocab();
        boolean ln = c.norm() == ModelSpec.Norm.PRE_LAYERNORM;
        boolean mlp = c.mlp() != ModelSpec.Mlp.NONE;
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("embed.W_E", new long[]{V, D});
        if (c.positional() == ModelSpec.Positional.LEARNED) s.put("pos_embed.W_pos", new long[]{c.nCtx(), D});
        int stored = c.shareLayerWeights() ? 1 : c.nLayers();
        for (int b = 0; b < stored; b++) {
            String p = "blocks." + b + ".";
            if (ln) { s.put(p + "ln1.w", new long[]{D}); s.put(p + "ln1.b", new long[]{D}); }
            for (String w : new String[]{"W_Q", "W_K", "W_V"}) s.put(p + "attn." + w, new long[]{D, HD});
            if (c.attnBias()) for (String w : new String[]{"b_Q", "b_K", "b_V"}) s.put(p + "attn." + w, new long[]{HD});
            s.put(p + "attn.W_O", new long[]{HD, D});
            if (c.attnBias()) s.put(p + "attn.b_O", new long[]{D});
            if (mlp) {
                if (ln) { s.put(p + "ln2.w", new long[]{D}); s.put(p + "ln2.b", new long[]{D}); }
                s.put(p + "mlp.W_in", new long[]{D, M});
                s.put(p + "mlp.b_in", new long[]{M});
                s.put(p + "mlp.W_out", new long[]{M, D});
                s.put(p + "mlp.b_out", new long[]{D});
            }
        }
        if (ln) { s.put("ln_final.w", new long[]{D}); s.put("ln_final.b", new long[]{D}); }
        s.put("unembed.W_U", new long[]{D, V});
        if (c.unembedBias()) s.put("unembed.b_U", new long[]{V});
        return s;
    }

    /** Layer-norm gains (initialised to 1). */
    public static boolean isGain(String name) { return name.endsWith(".w"); }

    /** Biases and layer-norm parameters (initialised to 0 / 1; weight decay only if decay_biases). */
    public static boolean isBiasLike(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        return last.startsWith("b_") || last.equals("b") || last.equals("w");
    }

    public static boolean isEmbedding(String name) {
        return name.equals("embed.W_E") || name.equals("pos_embed.W_pos");
    }

    private static void validate(ModelConfig c) {
        require(c.nLayers() >= 1, "model.n_layers must be >= 1");
        require(c.dModel() >= 1 && c.nHeads() >= 1 && c.dHead() >= 1, "model.d_model, n_heads, d_head must be >= 1");
        require(c.nCtx() >= 1, "model.n_ctx must be >= 1");
        require(c.dVocab() >= 2, "d_vocab must be >= 2");
        require(c.positional() != null && c.norm() != null && c.mlp() != null, "model.positional, norm and mlp must be set");
        require(c.mlp() == ModelSpec.Mlp.NONE || c.dMlp() >= 1, "model.d_mlp must be >= 1");
        require(c.positional() == ModelSpec.Positional.SINUSOIDAL ? c.dModel() % 2 == 0 : true, "sinusoidal positions need an even d_model");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) throw new IllegalArgumentException(msg);
    }

    @Override public ModelConfig cfg() { return cfg; }

    public DataType dataType() { return dtype; }

    /** The live parameters (internal layout); the optimizer updates them in place. */
    public Map<String, INDArray> parameters() { return params; }

    private INDArray p(String name) { return params.get(name); }

    // ---------------------------------------------------------------- forward

    /** What a forward pass computed: every hook value by name, plus internals backward needs ("_..."). */
    public static final class Activations {
        public final int[] tokens;
        public final int batch, seqLen;
        public final Map<String, INDArray> values = new HashMap<>();

        Activations(int[] tokens, int batch, int seqLen) {
            this.tokens = tokens;
            this.batch = batch;
            this.seqLen = seqLen;
        }

        /** logits [N, V] (row n = batch n / T, position n % T). */
        public INDArray logits() { return values.get("_logits"); }
    }

    @Override
    public Map<String, INDArray> run(INDArray tokens, Set<String> hooks, HookEditor editor) {
        if (tokens.rank() != 2) throw new IllegalArgumentException("tokens must be [batch, pos], got rank " + tokens.rank());
        int b = (int) tokens.size(0), t = (int) tokens.size(1);
        int[] ids = tokens.dup('c').reshape(b * t).toIntVector();
        Activations a = forward(ids, b, t, anyResult(hooks), editor);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("logits", a.logits().reshape(b, t, cfg.dVocab()));
        for (String h : hooks) {
            if (h.equals("logits")) continue;
            INDArray v = a.values.get(h);
            if (v == null || h.startsWith("_")) throw new IllegalArgumentException("no hook named '" + h + "' in this model");
            out.put(h, v);
        }
        return out;
    }

    private static boolean anyResult(Set<String> hooks) {
        return hooks.stream().anyMatch(h -> h.endsWith("attn.hook_result"));
    }

    /**
     * The forward pass on tokens [B·T] (row-major [B, T]). Computes {@code hook_result} (a per-head
     * [B, T, H, D] tensor) only when {@code attnResult}, as TransformerLens does with use_attn_result.
     */
    public Activations forward(int[] tokens, int B, int T, boolean attnResult, HookEditor ed) {
        if (T > cfg.nCtx() || T < 1) throw new IllegalArgumentException("sequence length " + T + " not in 1.." + cfg.nCtx());
        if (tokens.length != B * T) throw new IllegalArgumentException("tokens has " + tokens.length + " ids, expected " + B * T);
        for (int id : tokens) {
            if (id < 0 || id >= cfg.dVocab()) throw new IllegalArgumentException("token id " + id + " outside vocabulary 0.." + (cfg.dVocab() - 1));
        }
        Activations a = new Activations(tokens, B, T);
        int N = B * T, D = cfg.dModel();
        boolean ln = cfg.norm() == ModelSpec.Norm.PRE_LAYERNORM;

        INDArray embed = Kernels.gatherRows(p("embed.W_E"), tokens);                      // [N, D]
        INDArray x = resid(a, ed, "hook_embed", embed);                                     // [N, D]
        if (cfg.positional() != ModelSpec.Positional.NONE) {
            INDArray table = fixedPos != null ? fixedPos : p("pos_embed.W_pos");            // [n_ctx, D]
            INDArray rows = table.get(NDArrayIndex.interval(0, T), NDArrayIndex.all()).reshape(1, (long) T * D); // [1, T·D]
            INDArray pos = Nd4j.createUninitialized(dtype, B, (long) T * D);                // [B, T·D]
            for (int b = 0; b < B; b++) pos.getRow(b).assign(rows);  // B row copies: Nd4j.tile took 5 % of a small model's step
            pos = resid(a, ed, "hook_pos_embed", pos.reshape(N, D));                        // [N, D]
            x = x.add(pos);
        } else {
            x = x.dup();
        }
        for (int l = 0; l < cfg.nLayers(); l++) {
            String h = "blocks." + l + ".";                                                 // hook names
            String w = "blocks." + (cfg.shareLayerWeights() ? 0 : l) + ".";                // weight names
            x = resid(a, ed, h + "hook_resid_pre", x);                                      // [N, D]
            INDArray attnIn = ln ? layerNorm(a, ed, h + "ln1", w + "ln1", x) : x;          // [N, D]
            INDArray attnOut = attention(a, ed, h + "attn.", w + "attn.", attnIn, B, T, attnResult); // [N, D]
            attnOut = resid(a, ed, h + "hook_attn_out", attnOut);
            x = cfg.residual() ? x.add(attnOut) : attnOut;
            if (cfg.mlp() != ModelSpec.Mlp.NONE) {
                x = resid(a, ed, h + "hook_resid_mid", x);
                INDArray mlpIn = ln ? layerNorm(a, ed, h + "ln2", w + "ln2", x) : x;        // [N, D]
                INDArray mlpOut = mlp(a, ed, h + "mlp.", w + "mlp.", mlpIn);               // [N, D]
                mlpOut = resid(a, ed, h + "hook_mlp_out", mlpOut);
                x = cfg.residual() ? x.add(mlpOut) : mlpOut;
            }
            x = resid(a, ed, h + "hook_resid_post", x);                                     // [N, D]
        }
        INDArray fin = ln ? layerNorm(a, ed, "ln_final", "ln_final", x) : x;               // [N, D]
        a.values.put("_unembed_in", fin);
        INDArray logits = Kernels.mm(fin, false, p("unembed.W_U"), false);                                       // [N, V]
        if (cfg.unembedBias()) logits.addiRowVector(p("unembed.b_U"));
        a.values.put("_logits", logits);
        return a;
    }

    /** Causal self-attention on x [N, D]; records hook_q .. hook_z (and hook_result on request). */
    private INDArray attention(Activations a, HookEditor ed, String h, String w, INDArray x, int B, int T, boolean attnResult) {
        int N = B * T, H = cfg.nHeads(), d = cfg.dHead(), D = cfg.dModel(), HD = H * d;
        a.values.put("_" + h + "in", x);
        // Q, K and V in one product: one [N, D]·[D, 3·HD] GEMM is faster than three narrow ones
        INDArray wQKV = Nd4j.concat(1, p(w + "W_Q"), p(w + "W_K"), p(w + "W_V"));          // [D, 3HD]
        INDArray qkv = Kernels.mm(x, false, wQKV, false);                                   // [N, 3HD]: q | k | v
        if (cfg.attnBias()) qkv.addiRowVector(Nd4j.concat(0, p(w + "b_Q"), p(w + "b_K"), p(w + "b_V")));
        String[] n = {"q", "k", "v"};
        for (int i = 0; i < 3; i++) {
            // hook_q/k/v are views [B, T, H, d] into qkv; an editor's replacement is copied back into it
            INDArray view = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval((long) i * HD, (long) (i + 1) * HD))
                    .reshape(B, T, H, d);                                                    // [B, T, H, d]
            INDArray edited = hook(a, ed, h + "hook_" + n[i], view);
            if (edited != view) view.assign(edited);
        }
        a.values.put("_" + h + "qkv", qkv);
        a.values.put("_" + h + "wqkv", wQKV);
        Kernels.Grid q = Kernels.Grid.heads(qkv, 0, B, T, H, d), k = Kernels.Grid.heads(qkv, HD, B, T, H, d),
                v = Kernels.Grid.heads(qkv, 2 * HD, B, T, H, d);                              // per (b, h): [T, d]
        INDArray scores = Nd4j.createUninitialized(dtype, B, H, T, T);                     // [B, H, T, T]
        Kernels.causalGemm(B, H, LOWER_RESULT, q, k, Kernels.Grid.squares(scores, H, T), 1.0 / Math.sqrt(d), bands(T)); // q·kᵀ/√d
        Kernels.maskFuture(scores.reshape((long) B * H * T, T));                         // key > query → -inf
        INDArray editedScores = hook(a, ed, h + "hook_attn_scores", scores);                // [B, H, T, T]
        // edited scores or patterns need not be causal: then softmax and z take whole rows
        boolean causal = editedScores == scores;
        INDArray pattern = Nd4j.createUninitialized(dtype, B, H, T, T);
        Kernels.softmaxRows(editedScores.reshape((long) B * H * T, T), pattern.reshape((long) B * H * T, T), causal); // over keys
        INDArray edited = hook(a, ed, h + "hook_pattern", pattern);                         // [B, H, T, T]
        int zBands = causal && edited == pattern ? bands(T) : 1;
        pattern = Kernels.contiguous(edited);
        a.values.put("_" + h + "pattern", pattern);
        INDArray zFlat = Nd4j.createUninitialized(dtype, N, HD);                            // [N, HD]
        Kernels.causalGemm(B, H, LOWER_LEFT, Kernels.Grid.squares(pattern, H, T), v, Kernels.Grid.heads(zFlat, 0, B, T, H, d), 1.0, zBands);
        INDArray z = hook(a, ed, h + "hook_z", zFlat.reshape(B, T, H, d));                 // [B, T, H, d]
        zFlat = Kernels.contiguous(z).reshape(N, HD);
        a.values.put("_" + h + "zflat", zFlat);
        INDArray out;
        if (attnResult) {
            INDArray result = Nd4j.create(dtype, B, T, H, D);                               // [B, T, H, D]
            INDArray wo = p(w + "W_O");
            for (int head = 0; head < H; head++) {
                INDArray zHead = z.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(head), NDArrayIndex.all())
                        .dup('c').reshape(N, d);                                             // [N, d]
                INDArray woHead = wo.get(NDArrayIndex.interval((long) head * d, (long) (head + 1) * d), NDArrayIndex.all());
                result.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(head), NDArrayIndex.all())
                        .assign(Kernels.mm(zHead, false, woHead.dup('c'), false).reshape(B, T, D));
            }
            result = hook(a, ed, h + "hook_result", result);
            out = result.sum(2).reshape(N, D);                                              // [N, D]
        } else {
            out = Kernels.mm(zFlat, false, p(w + "W_O"), false);                                                 // [N, D]
        }
        if (cfg.attnBias()) out.addiRowVector(p(w + "b_O"));
        return out;
    }

    /** Position-wise MLP on x [N, D]: W_in, activation (gelu = tanh approximation, TL's gelu_new), W_out. */
    private INDArray mlp(Activations a, HookEditor ed, String h, String w, INDArray x) {
        int B = a.batch, T = a.seqLen, N = B * T, M = cfg.dMlp();
        a.values.put("_" + h + "in", x);
        INDArray pre = Kernels.mm(x, false, p(w + "W_in"), false).addiRowVector(p(w + "b_in"));                // [N, M]
        pre = hook(a, ed, h + "hook_pre", pre.reshape(B, T, M)).reshape(N, M);
        INDArray post;
        if (cfg.mlp() == ModelSpec.Mlp.GELU) {
            INDArray u = pre.mul(pre).muli(GELU_K).addi(1.0).muli(pre).muli(GELU_C);       // c·(x + k x³)
            INDArray t = Transforms.tanh(u, false);                                         // [N, M]
            a.values.put("_" + h + "tanh", t);
            post = t.add(1.0).muli(pre).muli(0.5);                                          // ½ x (1 + t)
        } else {
            post = pre;
        }
        post = hook(a, ed, h + "hook_post", post.reshape(B, T, M)).reshape(N, M);          // [N, M]
        a.values.put("_" + h + "post", post);
        return Kernels.mm(post, false, p(w + "W_out"), false).addiRowVector(p(w + "b_out"));                    // [N, D]
    }

    /** TransformerLens's LayerNorm ("LN"): (x − mean) / sqrt(var + eps) · w + b, hooks hook_scale and hook_normalized. */
    private INDArray layerNorm(Activations a, HookEditor ed, String h, String w, INDArray x) {
        int B = a.batch, T = a.seqLen, N = B * T, D = cfg.dModel();
        INDArray xc = x.subColumnVector(col(x.mean(1)));                                    // [N, D]
        INDArray scale = Transforms.sqrt(xc.mul(xc).mean(1).addi(LN_EPS), false);          // [N]
        scale = hook(a, ed, h + ".hook_scale", scale.reshape(B, T, 1)).reshape(N, 1);      // [N, 1]
        INDArray y = hook(a, ed, h + ".hook_normalized", xc.diviColumnVector(scale).reshape(B, T, D)).reshape(N, D);
        a.values.put("_" + h + ".scale", scale);
        a.values.put("_" + h + ".y", y);
        return y.mulRowVector(p(w + ".w")).addiRowVector(p(w + ".b"));                     // [N, D]
    }

    /** A residual-stream-shaped hook: seen by the editor as [B, T, D], kept internally as [N, D]. */
    private INDArray resid(Activations a, HookEditor ed, String name, INDArray x) {
        return hook(a, ed, name, x.reshape(a.batch, a.seqLen, cfg.dModel())).reshape((long) a.batch * a.seqLen, cfg.dModel());
    }

    private static INDArray hook(Activations a, HookEditor ed, String name, INDArray value) {
        INDArray v = ed.edit(name, value);
        a.values.put(name, v);
        return v;
    }

    /** Row bands for the causal per-head products (Kernels.causalGemm). */
    static int bands(int T) {
        return Integer.getInteger("attnlab.bands", T >= 64 ? 2 : 1);
    }

    static INDArray sinusoidal(int nCtx, int d, DataType dtype) {
        double[] v = new double[nCtx * d];
        for (int pos = 0; pos < nCtx; pos++) {
            for (int i = 0; i < d / 2; i++) {
                double angle = pos / Math.pow(10000.0, 2.0 * i / d);
                v[pos * d + 2 * i] = Math.sin(angle);
                v[pos * d + 2 * i + 1] = Math.cos(angle);
            }
        }
        return Nd4j.create(v, new long[]{nCtx, d}, dtype);
    }

    private static INDArray col(INDArray v) { return v.reshape(v.length(), 1); }

    // ---------------------------------------------------------------- loss

    /** Summed cross-entropy and how many targets it covers (targets equal to the pad id are skipped). */
    public record CrossEntropy(double sum, long count) {
        public double mean() { return count == 0 ? 0.0 : sum / count; }
    }

    /**
     * Next-token cross-entropy over the vocabulary for logits [N, V] and targets [N], skipping
     * targets equal to {@code padId} (-1 = none). With {@code gradInPlace}, overwrites the logits
     * with d(mean loss)/d(logits) — the only vocabulary-sized buffer of the step.
     */
    public static CrossEntropy crossEntropy(INDArray logits, int[] targets, int padId, boolean gradInPlace) {
        double[] r = Kernels.crossEntropy(logits, targets, padId, gradInPlace);
        return new CrossEntropy(r[0], (long) r[1]);
    }

    // ---------------------------------------------------------------- backward

    /**
     * Gradients of the loss for every parameter (internal layout) given dLoss/dlogits [N, V], by
     * walking the forward in reverse. Shared-weight blocks accumulate their layers' gradients.
     */
    public Map<String, INDArray> backward(Activations a, INDArray dLogits) {
        int B = a.batch, T = a.seqLen, N = B * T, D = cfg.dModel();
        boolean ln = cfg.norm() == ModelSpec.Norm.PRE_LAYERNORM;
        Map<String, INDArray> g = new HashMap<>();

        INDArray fin = a.values.get("_unembed_in");                                         // [N, D]
        acc(g, "unembed.W_U", Kernels.mm(fin, true, dLogits, false));                        // [D, V]
        if (cfg.unembedBias()) acc(g, "unembed.b_U", Kernels.columnSums(dLogits));                       // [V]
        INDArray dx = Kernels.mm(dLogits, false, p("unembed.W_U"), true);                    // [N, D]
        if (ln) dx = layerNormBackward(a, g, "ln_final", "ln_final", dx);

        for (int l = cfg.nLayers() - 1; l >= 0; l--) {
            String h = "blocks." + l + ".";
            String w = "blocks." + (cfg.shareLayerWeights() ? 0 : l) + ".";
            if (cfg.mlp() != ModelSpec.Mlp.NONE) {
                INDArray dIn = mlpBackward(a, g, h + "mlp.", w + "mlp.", dx);               // [N, D]
                if (ln) dIn = layerNormBackward(a, g, h + "ln2", w + "ln2", dIn);
                dx = cfg.residual() ? dx.add(dIn) : dIn;                                    // d resid_mid
            }
            INDArray dIn = attentionBackward(a, g, h + "attn.", w + "attn.", dx);           // [N, D]
            if (ln) dIn = layerNormBackward(a, g, h + "ln1", w + "ln1", dIn);
            dx = cfg.residual() ? dx.add(dIn) : dIn;                                        // d resid_pre
        }

        // embedding: a scatter-add of N rows, not a dense one-hot product
        INDArray dWE = Nd4j.zeros(dtype, cfg.dVocab(), D);                                  // [V, D]
        Kernels.scatterAddRows(dWE, a.tokens, dx);
        acc(g, "embed.W_E", dWE);
        if (cfg.positional() == ModelSpec.Positional.LEARNED) {
            INDArray dPos = Nd4j.zeros(dtype, cfg.nCtx(), D);                               // [n_ctx, D]
            dPos.get(NDArrayIndex.interval(0, T), NDArrayIndex.all())
                    .assign(Kernels.columnSums(dx.reshape(B, (long) T * D)).reshape(T, D));
            acc(g, "pos_embed.W_pos", dPos);
        }
        return g;
    }

    private INDArray attentionBackward(Activations a, Map<String, INDArray> g, String h, String w, INDArray dOut) {
        int B = a.batch, T = a.seqLen, N = B * T, H = cfg.nHeads(), d = cfg.dHead(), HD = H * d;
        INDArray x = a.values.get("_" + h + "in");                                          // [N, D]
        INDArray zFlat = a.values.get("_" + h + "zflat");                                   // [N, HD]
        INDArray pattern = a.values.get("_" + h + "pattern");                               // [B, H, T, T]
        INDArray qkv = a.values.get("_" + h + "qkv");                                       // [N, 3HD]
        INDArray wQKV = a.values.get("_" + h + "wqkv");                                     // [D, 3HD]
        Kernels.Grid q = Kernels.Grid.heads(qkv, 0, B, T, H, d), k = Kernels.Grid.heads(qkv, HD, B, T, H, d),
                v = Kernels.Grid.heads(qkv, 2 * HD, B, T, H, d), pat = Kernels.Grid.squares(pattern, H, T);

        acc(g, w + "W_O", Kernels.mm(zFlat, true, dOut, false));                            // [HD, D]
        if (cfg.attnBias()) acc(g, w + "b_O", Kernels.columnSums(dOut));
        INDArray dz = Kernels.mm(dOut, false, p(w + "W_O"), true);                           // [N, HD]
        Kernels.Grid dzh = Kernels.Grid.heads(dz, 0, B, T, H, d);
        INDArray dQKV = Nd4j.createUninitialized(dtype, N, 3L * HD);                        // [N, 3HD]: dq | dk | dv
        INDArray dPattern = Nd4j.createUninitialized(dtype, B, H, T, T);                    // [B, H, T, T]
        Kernels.Grid dp = Kernels.Grid.squares(dPattern, H, T);
        Kernels.causalGemm(B, H, LOWER_RESULT, dzh, v, dp, 1.0, bands(T));                 // dP = dz·vᵀ
        Kernels.causalGemm(B, H, LOWER_LEFT_T, pat, dzh, Kernels.Grid.heads(dQKV, 2 * HD, B, T, H, d), 1.0, bands(T)); // dv = Pᵀ·dz
        // softmax backward: dS = P ⊙ (dP − rowsum(dP ⊙ P)), with the 1/sqrt(d) scale, in place
        Kernels.softmaxBackward(pattern.reshape((long) B * H * T, T), dPattern.reshape((long) B * H * T, T), 1.0 / Math.sqrt(d), true);
        Kernels.causalGemm(B, H, LOWER_LEFT, dp, k, Kernels.Grid.heads(dQKV, 0, B, T, H, d), 1.0, bands(T));   // dq = dS·k
        Kernels.causalGemm(B, H, LOWER_LEFT_T, dp, q, Kernels.Grid.heads(dQKV, HD, B, T, H, d), 1.0, bands(T)); // dk = dSᵀ·q
        INDArray dW = Kernels.mm(x, true, dQKV, false);                                      // [D, 3HD]
        INDArray db = cfg.attnBias() ? Kernels.columnSums(dQKV) : null;                      // [3HD]
        String[] n = {"Q", "K", "V"};
        for (int i = 0; i < 3; i++) {
            acc(g, w + "W_" + n[i], dW.get(NDArrayIndex.all(), NDArrayIndex.interval((long) i * HD, (long) (i + 1) * HD)).dup('c'));
            if (db != null) acc(g, w + "b_" + n[i], db.get(NDArrayIndex.interval((long) i * HD, (long) (i + 1) * HD)).dup());
        }
        return Kernels.mm(dQKV, false, wQKV, true);                                         // [N, D]
    }

    private INDArray mlpBackward(Activations a, Map<String, INDArray> g, String h, String w, INDArray dOut) {
        INDArray x = a.values.get("_" + h + "in");                                          // [N, D]
        INDArray post = a.values.get("_" + h + "post");                                     // [N, M]
        acc(g, w + "W_out", Kernels.mm(post, true, dOut, false));                           // [M, D]
        acc(g, w + "b_out", Kernels.columnSums(dOut));
        INDArray dPre = Kernels.mm(dOut, false, p(w + "W_out"), true);                       // [N, M]
        if (cfg.mlp() == ModelSpec.Mlp.GELU) {
            INDArray pre = a.values.get(h + "hook_pre").reshape(dPre.shape());             // [N, M]
            INDArray t = a.values.get("_" + h + "tanh");
            // d/dx ½x(1+t) = ½(1+t) + ½x(1−t²)·c·(1 + 3k x²)
            INDArray du = pre.mul(pre).muli(3 * GELU_K).addi(1.0).muli(GELU_C);
            INDArray dt = t.mul(t).rsubi(1.0).muli(du).muli(pre).muli(0.5);
            dPre.muli(t.add(1.0).muli(0.5).addi(dt));
        }
        acc(g, w + "W_in", Kernels.mm(x, true, dPre, false));                               // [D, M]
        acc(g, w + "b_in", Kernels.columnSums(dPre));
        return Kernels.mm(dPre, false, p(w + "W_in"), true);                                 // [N, D]
    }

    private INDArray layerNormBackward(Activations a, Map<String, INDArray> g, String h, String w, INDArray dOut) {
        INDArray y = a.values.get("_" + h + ".y");                                          // [N, D]
        INDArray scale = a.values.get("_" + h + ".scale");                                  // [N, 1]
        acc(g, w + ".w", Kernels.columnSums(dOut.mul(y)));
        acc(g, w + ".b", Kernels.columnSums(dOut));
        INDArray dy = dOut.mulRowVector(p(w + ".w"));                                       // [N, D]
        INDArray meanDy = dy.mean(1);                                                       // [N]
        INDArray meanDyY = dy.mul(y).mean(1);                                               // [N]
        // dx = (dy − mean(dy) − y·mean(dy·y)) / scale
        return dy.subiColumnVector(col(meanDy)).subi(y.mulColumnVector(col(meanDyY))).diviColumnVector(scale);
    }

    private static void acc(Map<String, INDArray> g, String name, INDArray grad) {
        g.merge(name, grad, INDArray::addi);
    }

    // ---------------------------------------------------------------- TransformerLens layout

    /** The weights as TransformerLens's HookedTransformer state dict; shared blocks are duplicated per layer. */
    @Override
    public Map<String, INDArray> stateDict() {
        int D = cfg.dModel(), H = cfg.nHeads(), d = cfg.dHead(), V = cfg.dVocab();
        Map<String, INDArray> sd = new LinkedHashMap<>();
        sd.put("embed.W_E", p("embed.W_E").dup());
        if (cfg.positional() != ModelSpec.Positional.NONE) {
            sd.put("pos_embed.W_pos", (fixedPos != null ? fixedPos : p("pos_embed.W_pos")).dup());
        } else {
            sd.put("pos_embed.W_pos", Nd4j.zeros(dtype, cfg.nCtx(), D));                   // no positions = zero table
        }
        for (int l = 0; l < cfg.nLayers(); l++) {
            String t = "blocks." + l + ".";
            String w = "blocks." + (cfg.shareLayerWeights() ? 0 : l) + ".";
            if (cfg.norm() == ModelSpec.Norm.PRE_LAYERNORM) {
                sd.put(t + "ln1.w", p(w + "ln1.w").dup());
                sd.put(t + "ln1.b", p(w + "ln1.b").dup());
            }
            for (String n : new String[]{"Q", "K", "V"}) {
                sd.put(t + "attn.W_" + n, p(w + "attn.W_" + n).reshape(D, H, d).permute(1, 0, 2).dup('c'));
            }
            sd.put(t + "attn.W_O", p(w + "attn.W_O").dup().reshape(H, d, D));
            for (String n : new String[]{"Q", "K", "V"}) {
                sd.put(t + "attn.b_" + n, cfg.attnBias() ? p(w + "attn.b_" + n).dup().reshape(H, d) : Nd4j.zeros(dtype, H, d));
            }
            sd.put(t + "attn.b_O", cfg.attnBias() ? p(w + "attn.b_O").dup() : Nd4j.zeros(dtype, D));
            if (cfg.mlp() != ModelSpec.Mlp.NONE) {
                if (cfg.norm() == ModelSpec.Norm.PRE_LAYERNORM) {
                    sd.put(t + "ln2.w", p(w + "ln2.w").dup());
                    sd.put(t + "ln2.b", p(w + "ln2.b").dup());
                }
                for (String n : new String[]{"W_in", "b_in", "W_out", "b_out"}) sd.put(t + "mlp." + n, p(w + "mlp." + n).dup());
            }
        }
        if (cfg.norm() == ModelSpec.Norm.PRE_LAYERNORM) {
            sd.put("ln_final.w", p("ln_final.w").dup());
            sd.put("ln_final.b", p("ln_final.b").dup());
        }
        sd.put("unembed.W_U", p("unembed.W_U").dup());
        sd.put("unembed.b_U", cfg.unembedBias() ? p("unembed.b_U").dup() : Nd4j.zeros(dtype, V));
        return sd;
    }

    /** The inverse of {@link #stateDict()}: a model from TransformerLens-layout tensors (block 0 when shared). */
    public static Transformer fromStateDict(ModelConfig cfg, Map<String, INDArray> sd) {
        int D = cfg.dModel(), H = cfg.nHeads(), d = cfg.dHead();
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String name : parameterShapes(cfg).keySet()) {
            INDArray v = sd.get(name);
            if (v == null) throw new IllegalArgumentException("state dict lacks " + name);
            String last = name.substring(name.lastIndexOf('.') + 1);
            if (name.contains(".attn.") && (last.equals("W_Q") || last.equals("W_K") || last.equals("W_V"))) {
                v = v.permute(1, 0, 2).dup('c').reshape(D, (long) H * d);
            } else if (name.endsWith("attn.W_O")) {
                v = v.dup('c').reshape((long) H * d, D);
            } else if (name.contains(".attn.b_") && !last.equals("b_O")) {
                v = v.dup('c').reshape((long) H * d);
            } else {
                v = v.dup('c');
            }
            p.put(name, v);
        }
        return of(cfg, p);
    }
}
