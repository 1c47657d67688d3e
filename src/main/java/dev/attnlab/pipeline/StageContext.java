package dev.attnlab.pipeline;

import dev.attnlab.tracking.Tracker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a stage gets besides its params: its cache key, the output directories of the stages it
 * takes inputs from (read-only, keyed by stage name), a fresh directory for its own outputs, a
 * tracker (which also records what the stage logs so a later cache hit can show it on the new run),
 * progress reporting and the run's log. The spec itself is not here: a stage sees only its params.
 *
 * <p>{@code stateDir}: a directory that survives between attempts of this stage with the same cache
 * key (e.g. {@code <cache root>/state/<stage>/<key>/}), where the train stage keeps checkpoints that
 * a killed run resumes from; null when the runner provides none (then resume is not possible).
 *
 * <p>{@code stop}: where a stage that can end early and cleanly registers how (see {@link StopSignal}).
 */
public record StageContext(
        String key,
        Map<String, Path> inputs,
        Path outputDir,
        Tracker tracker,
        Progress progress,
        RunLog log,
        Path stateDir,
        StopSignal stop) {

    /** A context whose run is never asked to stop early. */
    public StageContext(String key, Map<String, Path> inputs, Path outputDir, Tracker tracker,
                        Progress progress, RunLog log, Path stateDir) {
        this(key, inputs, outputDir, tracker, progress, log, stateDir, new StopSignal());
    }

    /** A context without a persistent state directory. */
    public StageContext(String key, Map<String, Path> inputs, Path outputDir, Tracker tracker,
                        Progress progress, RunLog log) {
        this(key, inputs, outputDir, tracker, progress, log, null);
    }

    /** The output directory of an input stage; fails clearly when the pipeline did not wire it. */
    public Path input(String stage) {
        Path p = inputs.get(stage);
        if (p == null) {
            throw new IllegalStateException("stage needs the outputs of '" + stage
                    + "' but the pipeline does not list it among its inputs");
        }
        return p;
    }

    /** The output directory of an optional input ({@link Stage#INIT_FROM}), if the runner gave one. */
    public Optional<Path> optionalInput(String name) {
        return Optional.ofNullable(inputs.get(name));
    }
}
