package dev.attnlab.interpret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.eval.TrainedModel;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.SpecKey;
import dev.attnlab.spec.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The interpret stage: attention pictures and viewer, head scores, circuits, ablations and
 * {@code report.html} (see {@link Interpretation}; formulas in docs/interpret.md).
 */
public final class InterpretStage implements Stage<InterpretStage.Params> {

    /**
     * The interpret section; the batch size and seed its scores and ablations use, and how many
     * ablation batches (evaluate.induction_batches); the tokenizer and where its vocabulary is, to
     * encode prompts and label tokens; the data source and synthetic block length, to warn when head
     * scores are measured at the training period.
     */
    public record Params(InterpretSpec interpret, @SpecKey("train.batch_size") int batchSize, long seed,
                         @SpecKey("evaluate.induction_batches") int ablationBatches, TokenizerSpec tokenizer,
                         @SpecKey("data.dir") String dataDir, @SpecKey("data.download") boolean download,
                         @SpecKey("data.source") DataSpec.Source source,
                         @SpecKey("data.synthetic.block_len") int syntheticBlockLen) { }

    @Override
    public String name() {
        return "interpret";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public Params params(ExperimentSpec spec) {
        return new Params(spec.interpret(), spec.train().batchSize(), spec.seed(), spec.evaluate().inductionBatches(),
                spec.tokenizer(), spec.data().dir(), spec.data().download(), spec.data().source(),
                spec.data().synthetic().blockLen());
    }

    @Override
    public void run(Params spec, StageContext ctx) throws Exception {
        if (!spec.interpret().enabled()) {
            Files.writeString(ctx.outputDir().resolve("report.html"),
                    "<!DOCTYPE html><html><body><p>interpret.enabled is false for this run.</p></body></html>\n");
            ctx.log().info("interpret: disabled (interpret.enabled: false)");
            return;
        }
        HookedModel model = TrainedModel.load(ctx.input("train"));
        TokenizedData data = TokenizedData.open(ctx.input("tokenize"));
        RunTokenizer tokenizer = tokenizer(spec, data, ctx);
        warnIfMeasuredAtTrainingPeriod(spec, model.cfg().nCtx(), ctx);
        Interpretation.Settings settings = new Interpretation.Settings(spec.interpret(),
                spec.batchSize(), spec.seed(), spec.ablationBatches(),
                lastTrainingStep(ctx.input("train")));
        new Interpretation(model, data, tokenizer, settings, ctx.progress(), ctx.log()).run(ctx.outputDir(), ctx.tracker());
        ctx.tracker().flush();
    }

    /**
     * Synthetic data repeats its block at a fixed distance; a head that attends a fixed number of
     * positions back then hits the induction stripe too when the scores use that same block length.
     */
    static void warnIfMeasuredAtTrainingPeriod(Params spec, int nCtx, StageContext ctx) {
        int measured = spec.interpret().inductionBlockLen() > 0 ? spec.interpret().inductionBlockLen() : nCtx / 2;
        if (spec.source() == DataSpec.Source.SYNTHETIC && measured == spec.syntheticBlockLen()) {
            ctx.log().warn("interpret: head scores use blocks of " + measured + " tokens, the synthetic data's block_len: "
                    + "a head attending a fixed distance back scores like an induction head there; set "
                    + "interpret.induction_block_len to another length to tell them apart");
        }
    }

    /** Head metrics are logged at the last training step so they continue the checkpoint curves. */
    static long lastTrainingStep(Path trainOutput) {
        Path f = trainOutput.resolve("training.json");
        if (!Files.exists(f)) return 0;
        try {
            JsonNode n = new ObjectMapper().readTree(f.toFile());
            return n.path("steps").asLong(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static RunTokenizer tokenizer(Params spec, TokenizedData data, StageContext ctx) throws IOException {
        if ("none".equals(data.tokenizer())) {
            return RunTokenizer.ids(data.vocabSize());
        }
        if (!data.tokenizer().equals(spec.tokenizer().kind().value())) {
            throw new IllegalStateException("the tokenize output was made by tokenizer '" + data.tokenizer()
                    + "' but the spec says tokenizer.kind: " + spec.tokenizer().kind().value() + "; re-run tokenize");
        }
        return TextRunTokenizer.load(spec.tokenizer(), spec.dataDir(), spec.download(), ctx.progress(), ctx.log());
    }
}
