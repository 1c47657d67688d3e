package dev.attnlab.spec;

/** The {@code train} section. */
public record TrainSpec(
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        boolean decayEmbeddings,
        boolean decayBiases,
        Schedule schedule,
        int warmupSteps,
        double minLrRatio,
        double gradClip,        // 0 = off
        int batchSize,
        long steps,             // 0 = use epochs
        double epochs,
        int evalEvery,          // steps; 0 = only at the end
        int evalBatches,        // 0 = whole validation shard
        int checkpointEvery,    // steps; 0 = only at the end
        @NotInKey Resume resume,
        int logEvery,
        @NotInKey int threads,  // 0 = automatic
        // the entry it names enters the key as an input (its key), not as this text
        @NotInKey String initFrom) {

    public enum Schedule implements SpecChoice { CONSTANT, WARMUP_COSINE }

    /** {@code latest}: continue from the newest checkpoint an interrupted attempt with the same key left. */
    public enum Resume implements SpecChoice { NONE, LATEST }
}
