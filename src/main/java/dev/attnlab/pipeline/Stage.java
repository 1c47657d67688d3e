package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;

/**
 * One step of a pipeline. A stage is a pure function of its params and its input stages' outputs:
 * {@link #params} picks out of the resolved spec everything the stage may use, {@link #run} sees only
 * that record (never the spec), reads {@link StageContext#inputs()} and writes only into
 * {@link StageContext#outputDir()}. The cache key hashes the record's canonical form
 * ({@link StageParams#tree}), so a stage cannot use a value its key does not cover: the compiler
 * checks it. That is what makes the content-addressed cache correct.
 *
 * @param <P> the stage's params: an immutable record of spec sections and single keys
 */
public interface Stage<P extends Record> {

    /** The name pipelines use for this stage, e.g. "tokenize". */
    String name();

    /** Bump whenever a change to the implementation changes its outputs: it is part of the cache key. */
    int version();

    /** The part of the resolved spec this stage is given. */
    P params(ExperimentSpec spec);

    void run(P params, StageContext ctx) throws Exception;

    /**
     * An earlier result of this same stage to start from ({@code train.init_from}): a run directory, a
     * spec name or a stage key, resolved by the runner into an input named {@link #INIT_FROM} whose key
     * is part of this stage's key. "" for none.
     */
    default String initFrom(P params) {
        return "";
    }

    /** The input name under which {@link #initFrom}'s entry reaches the stage. */
    String INIT_FROM = "init_from";
}
