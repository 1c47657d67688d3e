package dev.attnlab.spec;

import java.util.List;

/** The {@code interpret} section. */
public record InterpretSpec(
        boolean enabled,
        List<String> prompts,
        int samples,            // sampled validation sequences to draw attention for
        int every,              // head scores every N training steps; 0 = off
        int topK,
        boolean ablation,
        int vocabChunk,
        int inductionBlockLen) { // 0 = n_ctx / 2
}
