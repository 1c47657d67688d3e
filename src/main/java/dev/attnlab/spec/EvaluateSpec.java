package dev.attnlab.spec;

/** The {@code evaluate} section. */
public record EvaluateSpec(
        int maxBatches,         // 0 = whole split
        int iclEarly,           // position for the in-context-learning score; 0 = automatic
        int iclLate,
        int inductionBlockLen,  // repeated-random-token task: block length; 0 = n_ctx / 2
        int inductionBatches) {
}
