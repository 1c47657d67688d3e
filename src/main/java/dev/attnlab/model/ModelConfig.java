package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;

/**
 * The model's resolved shape: the spec's {@code model} section plus the vocabulary size the
 * tokenizer fixed, with every "0 = automatic" resolved.
 */
public record ModelConfig(
        int nLayers,
        int dModel,
        int nHeads,
        int dHead,
        int nCtx,
        int dVocab,
        ModelSpec.Positional positional,
        ModelSpec.Norm norm,
        ModelSpec.Mlp mlp,
        int dMlp,
        boolean residual,
        boolean shareLayerWeights,
        boolean attnBias,
        boolean unembedBias,
        double initScale) {

    public static ModelConfig of(ModelSpec m, int dVocab) {
        int dHead = m.dHead() > 0 ? m.dHead() : m.dModel() / m.nHeads();
        int dMlp = m.dMlp() > 0 ? m.dMlp() : (m.mlp() == ModelSpec.Mlp.GELU ? 4 * m.dModel() : m.dModel());
        return new ModelConfig(m.nLayers(), m.dModel(), m.nHeads(), dHead, m.nCtx(), dVocab,
                m.positional(), m.norm(), m.mlp(), dMlp, m.residual(), m.shareLayerWeights(),
                m.attnBias(), m.unembedBias(), m.initScale());
    }
}
