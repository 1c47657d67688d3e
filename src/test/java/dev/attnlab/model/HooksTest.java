package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** What evaluate and interpret rely on: hook names and shapes, causality, and edits that propagate. */
class HooksTest {

    static final ModelConfig MLP = new ModelConfig(2, 8, 2, 4, 6, 11, ModelSpec.Positional.LEARNED, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.GELU, 16,
            true, false, true, true, 0.3);
    static final INDArray TOKENS = Nd4j.createFromArray(new int[][]{{1, 2, 3, 4, 5}, {10, 9, 8, 7, 6}});

    @Test
    void everyHookHasTransformerLensShape() {
        Transformer m = Transformer.init(MLP, DataType.FLOAT, 1);
        Map<String, long[]> expected = Map.ofEntries(
                Map.entry("hook_embed", new long[]{2, 5, 8}), Map.entry("hook_pos_embed", new long[]{2, 5, 8}),
                Map.entry("blocks.1.hook_resid_pre", new long[]{2, 5, 8}), Map.entry("blocks.1.ln1.hook_scale", new long[]{2, 5, 1}),
                Map.entry("blocks.1.ln1.hook_normalized", new long[]{2, 5, 8}),
                Map.entry("blocks.1.attn.hook_q", new long[]{2, 5, 2, 4}), Map.entry("blocks.1.attn.hook_k", new long[]{2, 5, 2, 4}),
                Map.entry("blocks.1.attn.hook_v", new long[]{2, 5, 2, 4}), Map.entry("blocks.1.attn.hook_z", new long[]{2, 5, 2, 4}),
                Map.entry("blocks.1.attn.hook_attn_scores", new long[]{2, 2, 5, 5}), Map.entry("blocks.1.attn.hook_pattern", new long[]{2, 2, 5, 5}),
                Map.entry("blocks.1.attn.hook_result", new long[]{2, 5, 2, 8}), Map.entry("blocks.1.hook_attn_out", new long[]{2, 5, 8}),
                Map.entry("blocks.1.hook_resid_mid", new long[]{2, 5, 8}), Map.entry("blocks.1.mlp.hook_pre", new long[]{2, 5, 16}),
                Map.entry("blocks.1.mlp.hook_post", new long[]{2, 5, 16}), Map.entry("blocks.1.hook_mlp_out", new long[]{2, 5, 8}),
                Map.entry("blocks.1.hook_resid_post", new long[]{2, 5, 8}), Map.entry("ln_final.hook_normalized", new long[]{2, 5, 8}),
                Map.entry("logits", new long[]{2, 5, 11}));
        Map<String, INDArray> out = m.run(TOKENS, expected.keySet());
        expected.forEach((k, shape) -> assertArrayEquals(shape, out.get(k).shape(), k));
        assertThrows(IllegalArgumentException.class, () -> m.run(TOKENS, Set.of("blocks.0.attn.hook_nope")));
    }

    @Test
    void patternIsCausalAndRowsSumToOne() {
        INDArray p = Transformer.init(MLP, DataType.DOUBLE, 2).run(TOKENS, Set.of("blocks.0.attn.hook_pattern"))
                .get("blocks.0.attn.hook_pattern");
        for (int q = 0; q < 5; q++) {
            for (int k = q + 1; k < 5; k++) assertEquals(0.0, p.getDouble(1, 1, q, k), 0.0);
        }
        assertTrue(p.sum(3).sub(1.0).amaxNumber().doubleValue() < 1e-12);
        // and logits at position t do not depend on later tokens
        Transformer m = Transformer.init(MLP, DataType.DOUBLE, 2);
        INDArray a = m.run(Nd4j.createFromArray(new int[][]{{1, 2, 3, 4, 5}}), Set.of()).get("logits");
        INDArray b = m.run(Nd4j.createFromArray(new int[][]{{1, 2, 3, 9, 0}}), Set.of()).get("logits");
        assertEquals(a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)), b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)));
    }

    @Test
    void editsPropagateAndIdentityEditChangesNothing() {
        Transformer m = Transformer.init(MLP, DataType.DOUBLE, 3);
        INDArray base = m.run(TOKENS, Set.of()).get("logits");
        INDArray same = m.run(TOKENS, Set.of(), (hook, v) -> v.dup()).get("logits");
        assertEquals(base, same);
        // zero-ablate head 1 of layer 0
        Map<String, INDArray> ablated = m.run(TOKENS, Set.of("blocks.0.attn.hook_z"), (hook, v) -> {
            if (!hook.equals("blocks.0.attn.hook_z")) return v;
            INDArray z = v.dup();
            z.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()).assign(0);
            return z;
        });
        assertEquals(0.0, ablated.get("blocks.0.attn.hook_z").get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.point(1), NDArrayIndex.all()).amaxNumber().doubleValue(), 0.0);
        assertNotEquals(base, ablated.get("logits"));
        // the same ablation through hook_result (per-head outputs) gives the same logits
        INDArray viaResult = m.run(TOKENS, Set.of("blocks.0.attn.hook_result"), (hook, v) -> {
            if (!hook.equals("blocks.0.attn.hook_result")) return v;
            INDArray r = v.dup();
            r.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()).assign(0);
            return r;
        }).get("logits");
        assertTrue(viaResult.equalsWithEps(ablated.get("logits"), 1e-10));
    }

    @Test
    void editedValuesFeedTheRestOfTheLayer() {
        // z = pattern · v per head, so zeroing head 1's v must give exactly what zeroing its z gives;
        // hook_v is a view into the fused q|k|v activations, so both a replacement and an in-place
        // edit have to reach the pattern · v product
        Transformer m = Transformer.init(MLP, DataType.DOUBLE, 4);
        HookedModel.HookEditor zeroZ = (hook, v) -> hook.equals("blocks.0.attn.hook_z") ? zeroHead(v.dup(), 1) : v;
        HookedModel.HookEditor replaceV = (hook, v) -> hook.equals("blocks.0.attn.hook_v") ? zeroHead(v.dup(), 1) : v;
        HookedModel.HookEditor inPlaceV = (hook, v) -> hook.equals("blocks.0.attn.hook_v") ? zeroHead(v, 1) : v;
        INDArray expected = m.run(TOKENS, Set.of(), zeroZ).get("logits");
        assertNotEquals(m.run(TOKENS, Set.of()).get("logits"), expected);
        assertTrue(m.run(TOKENS, Set.of(), replaceV).get("logits").equalsWithEps(expected, 1e-12));
        assertTrue(m.run(TOKENS, Set.of(), inPlaceV).get("logits").equalsWithEps(expected, 1e-12));
        // and an edit of hook_q reaches the scores: uniform attention when every query is zero
        INDArray pattern = m.run(TOKENS, Set.of("blocks.0.attn.hook_pattern"),
                (hook, v) -> hook.equals("blocks.0.attn.hook_q") ? v.mul(0) : v).get("blocks.0.attn.hook_pattern");
        assertEquals(1.0 / 3, pattern.getDouble(0, 1, 2, 0), 1e-12);
        // an edit that unmasks the future is honoured, as in TransformerLens: zero scores everywhere
        INDArray flat = m.run(TOKENS, Set.of("blocks.0.attn.hook_pattern"),
                (hook, v) -> hook.equals("blocks.0.attn.hook_attn_scores") ? Nd4j.zerosLike(v) : v).get("blocks.0.attn.hook_pattern");
        assertEquals(1.0 / 5, flat.getDouble(0, 1, 2, 4), 1e-12);
    }

    private static INDArray zeroHead(INDArray bthd, int head) {
        bthd.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(head), NDArrayIndex.all()).assign(0);
        return bthd;
    }
}
