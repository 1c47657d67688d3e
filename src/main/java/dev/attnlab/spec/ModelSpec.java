package dev.attnlab.spec;

/** The {@code model} section; {@code d_vocab} comes from the tokenizer, see model.ModelConfig. */
public record ModelSpec(
        int nLayers,
        int dModel,
        int nHeads,
        int dHead,              // 0 = d_model / n_heads
        int nCtx,
        String positional,      // learned | sinusoidal | none
        String norm,            // none | pre_layernorm
        String mlp,             // none | linear | gelu
        int dMlp,               // 0 = 4 * d_model (gelu) or d_model (linear)
        boolean residual,
        boolean shareLayerWeights,
        boolean attnBias,
        boolean unembedBias,
        double initScale) {
}
