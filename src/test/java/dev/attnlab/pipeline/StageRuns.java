package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;

import java.util.function.Function;

/** Runs one stage outside the runner, as the runner would: its params from the spec, its key from them. */
public final class StageRuns {

    private StageRuns() { }

    public static <P extends Record> void run(Stage<P> stage, ExperimentSpec spec, Function<String, StageContext> context)
            throws Exception {
        P params = stage.params(spec);
        stage.run(params, context.apply(StageParams.hash(params)));
    }
}
