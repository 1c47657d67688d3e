package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;

/**
 * The evaluate stage: validation and test loss, perplexity, accuracy, loss by position, the
 * in-context-learning score, repeated-random-token losses and n-gram baselines
 * (see {@link Evaluation}; formulas in docs/interpret.md).
 */
public final class EvaluateStage implements Stage {

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        HookedModel model = TrainedModel.load(ctx.input("train"));
        TokenizedData data = TokenizedData.open(ctx.input("tokenize"));
        Evaluation.Settings settings = new Evaluation.Settings(ctx.spec().evaluate(), ctx.spec().train().batchSize(),
                ctx.spec().seed());
        new Evaluation(model, data, settings, ctx.progress(), ctx.log()).run(ctx.outputDir(), ctx.tracker(), "evaluate");
        ctx.tracker().flush();
    }
}
