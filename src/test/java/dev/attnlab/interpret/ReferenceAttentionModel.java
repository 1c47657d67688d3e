package dev.attnlab.interpret;

import dev.attnlab.spec.ModelSpec;

import dev.attnlab.model.HookedModel;
import dev.attnlab.model.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * TEST ONLY: a plain attention-only forward pass over TransformerLens-layout weights set by hand
 * (learned positions, no norm, no MLP), so that score, ablation and stage code can be tested on
 * models whose behaviour is known. Not a training model; the production model lives in package model.
 */
public final class ReferenceAttentionModel implements HookedModel {

    private final ModelConfig cfg;
    private final Map<String, INDArray> weights;

    public ReferenceAttentionModel(ModelConfig cfg, Map<String, INDArray> weights) {
        this.cfg = cfg;
        this.weights = weights;
    }

    public static ModelConfig config(int nLayers, int dModel, int nHeads, int dHead, int nCtx, int dVocab) {
        return new ModelConfig(nLayers, dModel, nHeads, dHead, nCtx, dVocab, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE,
                0, true, false, true, true, 0.02);
    }

    /** Zero weights of the right shapes (float32), to be filled by the caller. */
    public static Map<String, INDArray> zeros(ModelConfig c) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.zeros(DataType.FLOAT, c.dVocab(), c.dModel()));
        w.put("pos_embed.W_pos", Nd4j.zeros(DataType.FLOAT, c.nCtx(), c.dModel()));
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "blocks." + l + ".attn.";
            for (String m : new String[] {"W_Q", "W_K", "W_V"}) {
                w.put(p + m, Nd4j.zeros(DataType.FLOAT, c.nHeads(), c.dModel(), c.dHead()));
            }
            w.put(p + "W_O", Nd4j.zeros(DataType.FLOAT, c.nHeads(), c.dHead(), c.dModel()));
            for (String b : new String[] {"b_Q", "b_K", "b_V"}) {
                w.put(p + b, Nd4j.zeros(DataType.FLOAT, c.nHeads(), c.dHead()));
            }
            w.put(p + "b_O", Nd4j.zeros(DataType.FLOAT, c.dModel()));
        }
        w.put("unembed.W_U", Nd4j.zeros(DataType.FLOAT, c.dModel(), c.dVocab()));
        w.put("unembed.b_U", Nd4j.zeros(DataType.FLOAT, c.dVocab()));
        return w;
    }

    /** Gaussian weights with standard deviation {@code scale} (a randomly initialised model). */
    public static ReferenceAttentionModel random(ModelConfig c, double scale, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = zeros(c);
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            if (!e.getKey().contains(".b_")) {
                e.setValue(Nd4j.randn(DataType.FLOAT, e.getValue().shape()).muli(scale));
            }
        }
        return new ReferenceAttentionModel(c, w);
    }

    @Override
    public ModelConfig cfg() {
        return cfg;
    }

    @Override
    public Map<String, INDArray> stateDict() {
        return weights;
    }

    @Override
    public Map<String, INDArray> run(INDArray tokens, Set<String> hooks, HookEditor editor) {
        int b = (int) tokens.size(0);
        int t = (int) tokens.size(1);
        int dm = cfg.dModel();
        int h = cfg.nHeads();
        int dh = cfg.dHead();
        Map<String, INDArray> out = new HashMap<>();
        Hooks hk = new Hooks(hooks, editor, out);

        long[] ids = tokens.castTo(DataType.LONG).dup('c').data().asLong();
        INDArray embed = Nd4j.pullRows(weights.get("embed.W_E"), 1, toInt(ids)).reshape(b, t, dm);
        embed = hk.apply("hook_embed", embed);
        INDArray pos = weights.get("pos_embed.W_pos").get(NDArrayIndex.interval(0, t), NDArrayIndex.all())
                .reshape(1, t, dm).broadcast(b, t, dm).dup();
        pos = hk.apply("hook_pos_embed", pos);
        INDArray resid = embed.add(pos);

        INDArray mask = Nd4j.zeros(DataType.FLOAT, t, t);
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                mask.putScalar(i, j, -1e30f);
            }
        }
        for (int l = 0; l < cfg.nLayers(); l++) {
            String p = "blocks." + l + ".";
            resid = hk.apply(p + "hook_resid_pre", resid);
            INDArray x2 = resid.reshape(b * t, dm);
            INDArray q = hk.apply(p + "attn.hook_q", project(x2, l, "Q").reshape(b, t, h, dh));
            INDArray k = hk.apply(p + "attn.hook_k", project(x2, l, "K").reshape(b, t, h, dh));
            INDArray v = hk.apply(p + "attn.hook_v", project(x2, l, "V").reshape(b, t, h, dh));
            INDArray scores = Nd4j.zeros(DataType.FLOAT, b, h, t, t);
            double scale = 1.0 / Math.sqrt(dh);
            for (int bi = 0; bi < b; bi++) {
                for (int hi = 0; hi < h; hi++) {
                    INDArray qh = q.get(NDArrayIndex.point(bi), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all());
                    INDArray kh = k.get(NDArrayIndex.point(bi), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all());
                    scores.get(NDArrayIndex.point(bi), NDArrayIndex.point(hi), NDArrayIndex.all(), NDArrayIndex.all())
                            .assign(qh.mmul(kh.transpose()).muli(scale).addi(mask));
                }
            }
            scores = hk.apply(p + "attn.hook_attn_scores", scores);
            INDArray max = scores.max(true, 3);
            INDArray e = Transforms.exp(scores.sub(max), false);
            INDArray pattern = e.div(e.sum(true, 3));
            pattern = hk.apply(p + "attn.hook_pattern", pattern);
            INDArray z = Nd4j.zeros(DataType.FLOAT, b, t, h, dh);
            for (int bi = 0; bi < b; bi++) {
                for (int hi = 0; hi < h; hi++) {
                    INDArray ph = pattern.get(NDArrayIndex.point(bi), NDArrayIndex.point(hi), NDArrayIndex.all(), NDArrayIndex.all());
                    INDArray vh = v.get(NDArrayIndex.point(bi), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all());
                    z.get(NDArrayIndex.point(bi), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all())
                            .assign(ph.mmul(vh));
                }
            }
            z = hk.apply(p + "attn.hook_z", z);
            INDArray wO = weights.get(p + "attn.W_O");
            if (hooks.contains(p + "attn.hook_result")) {
                INDArray result = Nd4j.zeros(DataType.FLOAT, b, t, h, dm);
                for (int hi = 0; hi < h; hi++) {
                    INDArray zh = z.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all())
                            .dup('c').reshape(b * t, dh);
                    result.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(hi), NDArrayIndex.all())
                            .assign(zh.mmul(wO.get(NDArrayIndex.point(hi), NDArrayIndex.all(), NDArrayIndex.all())).reshape(b, t, dm));
                }
                hk.apply(p + "attn.hook_result", result);
            }
            INDArray attnOut = z.dup('c').reshape(b * t, h * dh).mmul(wO.dup('c').reshape(h * dh, dm))
                    .addRowVector(weights.get(p + "attn.b_O"));
            resid = resid.add(attnOut.reshape(b, t, dm));
            resid = hk.apply(p + "hook_resid_post", resid);
        }
        INDArray logits = resid.reshape(b * t, dm).mmul(weights.get("unembed.W_U"))
                .addiRowVector(weights.get("unembed.b_U")).reshape(b, t, cfg.dVocab());
        logits = editor.edit("logits", logits);
        out.put("logits", logits);
        return out;
    }

    private INDArray project(INDArray x2, int layer, String which) {
        String p = "blocks." + layer + ".attn.";
        INDArray w = weights.get(p + "W_" + which); // [h, dm, dh]
        int h = cfg.nHeads();
        int dh = cfg.dHead();
        INDArray wCat = w.permute(1, 0, 2).dup('c').reshape(cfg.dModel(), h * dh);
        return x2.mmul(wCat).addiRowVector(weights.get(p + "b_" + which).dup('c').reshape(h * dh));
    }

    private static int[] toInt(long[] ids) {
        int[] r = new int[ids.length];
        for (int i = 0; i < ids.length; i++) r[i] = (int) ids[i];
        return r;
    }

    private record Hooks(Set<String> wanted, HookEditor editor, Map<String, INDArray> out) {
        INDArray apply(String name, INDArray value) {
            INDArray v = editor.edit(name, value);
            if (wanted.contains(name)) out.put(name, v);
            return v;
        }
    }
}
