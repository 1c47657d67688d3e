package dev.attnlab.eval;

import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.spec.TrackingSpec;
import dev.attnlab.spec.TrainSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A spec with the brief's defaults for a small synthetic run, built without the YAML loader. */
final class QuickSpec {

    private QuickSpec() {
    }

    static ExperimentSpec spec() {
        return new ExperimentSpec("t", "", "language-model", 0,
                new DataSpec(DataSpec.Source.SYNTHETIC, "", "", "text", "utf-8", DataSpec.Variant.WIKITEXT_103, DataSpec.Format.AUTO,
                        0, 0, DataSpec.Split.DATASET, 0.05, false,
                        new DataSpec.Preprocess(false, false, false), new DataSpec.Synthetic(16, 4, 2, 0, 10, 4, 0)),
                new TokenizerSpec(TokenizerSpec.Kind.NONE, "", TokenizerSpec.Packing.TRUNCATE, false),
                new ModelSpec(2, 32, 2, 0, 16, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0, true, false, true, true, 0.02),
                new TrainSpec(1e-3, 0.9, 0.999, 1e-8, 0.01, false, false, TrainSpec.Schedule.CONSTANT, 0, 0.1, 0, 8, 10, 1, 0, 1, 0,
                        TrainSpec.Resume.NONE, 1, 0, ""),
                new EvaluateSpec(1, 0, 0, 0, 1), new InterpretSpec(true, List.of(), 1, 0, 5, true, 16, 0),
                new TrackingSpec(TrackingSpec.Backend.NONE, "", ""), Path.of("t.yaml"), Map.of());
    }
}
