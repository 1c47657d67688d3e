package dev.attnlab.spec;

import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded, merged ({@code extends}, {@code --set}) and validated experiment spec. Immutable.
 *
 * @param file     the spec file it was loaded from
 * @param resolved the whole resolved spec as a canonical tree (sorted maps, defaults filled in):
 *                 what cache keys hash (per section) and what trackers log as flattened params
 */
public record ExperimentSpec(
        String name,
        String description,
        String pipeline,
        long seed,
        DataSpec data,
        TokenizerSpec tokenizer,
        ModelSpec model,
        TrainSpec train,
        EvaluateSpec evaluate,
        InterpretSpec interpret,
        TrackingSpec tracking,
        Path file,
        Map<String, Object> resolved) {
}
