package dev.attnlab.interpret;

import dev.attnlab.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * TEST ONLY: weights set by hand for a 2-layer attention-only model that implements the induction
 * circuit exactly (Elhage et al. 2021), so its head scores and ablations have known answers.
 * Residual subspaces: token one-hot [0, V), previous-token one-hot [V, 2V), position one-hot
 * [2V, 2V + n_ctx), output [2V + n_ctx, 3V + n_ctx).
 * <ul>
 *   <li>L0H0: previous-token head. Query at position i matches the key at i - 1 (QK on positions);
 *       OV copies the key's token into the previous-token subspace.</li>
 *   <li>L1H0: induction head. Query token x matches keys whose previous-token subspace holds x
 *       (K-composition with L0H0); OV copies the key's own token into the output subspace, which
 *       the unembedding reads.</li>
 *   <li>Every other head (and every head of layer 1 in the 1-layer variant) has zero weights:
 *       uniform attention, no output.</li>
 * </ul>
 */
public final class HandBuiltInductionModel {

    static final float SHARP = 40f;  // attention logit of a match, after the 1/sqrt(d_head) scaling
    static final float UNEMBED = 12f;

    private HandBuiltInductionModel() {
    }

    public static ReferenceAttentionModel build(int vocab, int nCtx, int nHeads, boolean withInductionLayer) {
        int dModel = 3 * vocab + nCtx;
        int dHead = Math.max(vocab, nCtx + 1);
        int nLayers = withInductionLayer ? 2 : 1;
        ModelConfig cfg = ReferenceAttentionModel.config(nLayers, dModel, nHeads, dHead, nCtx, vocab);
        Map<String, INDArray> w = ReferenceAttentionModel.zeros(cfg);
        float q = SHARP * (float) Math.sqrt(dHead);
        int prevBase = vocab;
        int posBase = 2 * vocab;
        int outBase = 2 * vocab + nCtx;
        for (int t = 0; t < vocab; t++) {
            w.get("embed.W_E").putScalar(t, t, 1f);
        }
        for (int i = 0; i < nCtx; i++) {
            w.get("pos_embed.W_pos").putScalar(i, posBase + i, 1f);
        }
        // L0H0: previous-token head
        for (int i = 0; i < nCtx; i++) {
            w.get("blocks.0.attn.W_Q").putScalar(new long[] {0, posBase + i, i}, q);
            w.get("blocks.0.attn.W_K").putScalar(new long[] {0, posBase + i, i + 1}, 1f);
        }
        for (int t = 0; t < vocab; t++) {
            w.get("blocks.0.attn.W_V").putScalar(new long[] {0, t, t}, 1f);
            w.get("blocks.0.attn.W_O").putScalar(new long[] {0, t, prevBase + t}, 1f);
        }
        int copyInto = outBase;
        if (withInductionLayer) {
            for (int t = 0; t < vocab; t++) {
                w.get("blocks.1.attn.W_Q").putScalar(new long[] {0, t, t}, q);
                w.get("blocks.1.attn.W_K").putScalar(new long[] {0, prevBase + t, t}, 1f);
                w.get("blocks.1.attn.W_V").putScalar(new long[] {0, t, t}, 1f);
                w.get("blocks.1.attn.W_O").putScalar(new long[] {0, t, outBase + t}, 1f);
            }
        }
        for (int t = 0; t < vocab; t++) {
            w.get("unembed.W_U").putScalar(copyInto + t, t, UNEMBED);
        }
        return new ReferenceAttentionModel(cfg, w);
    }
}
