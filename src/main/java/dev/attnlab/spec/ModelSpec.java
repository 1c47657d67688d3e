package dev.attnlab.spec;

/** The {@code model} section; {@code d_vocab} comes from the tokenizer, see model.ModelConfig. */
public record ModelSpec(
        int nLayers,
        int dModel,
        int nHeads,
        int dHead,              // 0 = d_model / n_heads
        int nCtx,
        Positional positional,
        Norm norm,
        Mlp mlp,
        int dMlp,               // 0 = 4 * d_model (gelu) or d_model (linear)
        boolean residual,
        boolean shareLayerWeights,
        boolean attnBias,
        boolean unembedBias,
        double initScale) {

    public enum Positional implements SpecChoice { LEARNED, SINUSOIDAL, NONE }

    public enum Norm implements SpecChoice { NONE, PRE_LAYERNORM }

    /** The MLP after each attention layer, if any. */
    public enum Mlp implements SpecChoice { NONE, LINEAR, GELU }
}
