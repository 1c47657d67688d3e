package dev.attnlab.pipeline;

/**
 * One step of a pipeline. A stage is a pure function of its spec sections and its input stages'
 * outputs: it reads {@link StageContext#inputs()} and writes only into {@link StageContext#outputDir()}.
 * That is what makes the content-addressed cache correct.
 */
public interface Stage {

    /** The name pipelines use for this stage, e.g. "tokenize". */
    String name();

    /** Bump whenever a change to the implementation changes its outputs: it is part of the cache key. */
    int version();

    void run(StageContext ctx) throws Exception;
}
