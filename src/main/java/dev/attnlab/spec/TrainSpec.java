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
        String schedule,        // constant | warmup_cosine
        int warmupSteps,
        double minLrRatio,
        double gradClip,        // 0 = off
        int batchSize,
        long steps,             // 0 = use epochs
        double epochs,
        int evalEvery,          // steps; 0 = only at the end
        int evalBatches,        // 0 = whole validation shard
        int checkpointEvery,    // steps; 0 = only at the end
        String resume,          // none | latest
        int logEvery,
        int threads) {          // 0 = automatic
}
