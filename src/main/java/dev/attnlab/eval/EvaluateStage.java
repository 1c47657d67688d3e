package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecKey;

/**
 * The evaluate stage: validation and test loss, perplexity, accuracy, loss by position, the
 * in-context-learning score, repeated-random-token losses and n-gram baselines
 * (see {@link Evaluation}; formulas in docs/interpret.md).
 */
public final class EvaluateStage implements Stage<EvaluateStage.Params> {

    /** The evaluate section, the batch size it scores in, and the seed of its random-token task. */
    public record Params(EvaluateSpec evaluate, @SpecKey("train.batch_size") int batchSize, long seed) { }

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public Params params(ExperimentSpec spec) {
        return new Params(spec.evaluate(), spec.train().batchSize(), spec.seed());
    }

    @Override
    public void run(Params params, StageContext ctx) throws Exception {
        HookedModel model = TrainedModel.load(ctx.input("train"));
        TokenizedData data = TokenizedData.open(ctx.input("tokenize"));
        Evaluation.Settings settings = new Evaluation.Settings(params.evaluate(), params.batchSize(), params.seed());
        new Evaluation(model, data, settings, ctx.progress(), ctx.log()).run(ctx.outputDir(), ctx.tracker(), "evaluate");
        ctx.tracker().flush();
    }
}
