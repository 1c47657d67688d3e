package dev.attnlab.data;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.SpecChoice;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.tracking.Tracker;

import java.nio.file.Path;
import java.util.Map;

/** Test helper: spec sections with the brief's defaults, changed one key at a time. */
public final class Specs {

    private Specs() { }

    public static final class Data {
        public String source = "synthetic", dir = "", path = "", textColumn = "text", encoding = "utf-8", variant = "wikitext-103",
                format = "auto", split = "dataset";
        public long maxLines = 0, maxDocuments = 0;
        public double valFraction = 0.05;
        public boolean download = true;
        public DataSpec.Preprocess preprocess = new DataSpec.Preprocess(false, false, false);
        public DataSpec.Synthetic synthetic = new DataSpec.Synthetic(1000, 24, 2, 16, 200, 20, 20);

        public Data(String source) {
            this.source = source;
        }

        public DataSpec build() {
            return new DataSpec(SpecChoice.of(DataSpec.Source.class, source), dir, path, textColumn, encoding,
                    SpecChoice.of(DataSpec.Variant.class, variant), SpecChoice.of(DataSpec.Format.class, format),
                    maxLines, maxDocuments, SpecChoice.of(DataSpec.Split.class, split),
                    valFraction, download, preprocess, synthetic);
        }
    }

    public static ExperimentSpec experiment(DataSpec data, TokenizerSpec tok, long seed) {
        return new ExperimentSpec("test", "", "language-model", seed, data, tok, null, null, null, null, null,
                Path.of("test.yaml"), Map.of());
    }

    public static TokenizerSpec tokenizer(String kind, String packing) {
        return new TokenizerSpec(SpecChoice.of(TokenizerSpec.Kind.class, kind), "",
                SpecChoice.of(TokenizerSpec.Packing.class, packing), false);
    }

    public static StageContext context(String key, Map<String, Path> inputs, Path out, Tracker tracker) {
        return new StageContext(key, inputs, out, tracker, Progress.NONE, RunLog.STDERR);
    }
}
