package dev.attnlab.tracking;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

/**
 * The run's own Micrometer meters, recorded on Micrometer's global registry so that any
 * tracker publishing system metrics (MLflow: {@code system/stage/...}, {@code system/tokens/...})
 * sees them without a reference being passed around. Recording costs nanoseconds; with no
 * registry attached it is a no-op.
 */
public final class TrackingMeters {
    public static final String STAGE_TIMER = "attnlab.stage";
    public static final String TOKEN_COUNTER = "attnlab.tokens";

    private TrackingMeters() { }

    /** Wall time of a stage: {@code stageTimer(name).record(() -> stage.run(ctx))} or a {@code Timer.Sample}. */
    public static Timer stageTimer(String stage) {
        return Metrics.timer(STAGE_TIMER, "stage", stage);
    }

    /** Tokens processed, by kind: "train", "val", "eval", "tokenize". */
    public static Counter tokens(String kind) {
        return Metrics.counter(TOKEN_COUNTER, "kind", kind);
    }
}
