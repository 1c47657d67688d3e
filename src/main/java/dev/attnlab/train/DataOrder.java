package dev.attnlab.train;

import java.util.SplittableRandom;

/**
 * Which rows make up the batch of each step: every epoch a fresh permutation seeded by
 * (seed, epoch), cut into batches (the incomplete last batch of an epoch is dropped). A pure
 * function of the step number, so a resumed run sees exactly the batches an uninterrupted one would.
 */
public final class DataOrder {

    private final int rows;
    private final int batch;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] perm;

    public DataOrder(int rows, int batch, long seed) {
        if (rows < 1) throw new IllegalArgumentException("no training rows");
        if (batch < 1 || batch > rows) throw new IllegalArgumentException("batch " + batch + " not in 1.." + rows);
        this.rows = rows;
        this.batch = batch;
        this.seed = seed;
    }

    public int stepsPerEpoch() { return rows / batch; }

    /** The row indices of step {@code step} (0-based). */
    public int[] batch(long step) {
        int epoch = (int) (step / stepsPerEpoch());
        int k = (int) (step % stepsPerEpoch());
        if (epoch != cachedEpoch) {
            perm = new int[rows];
            for (int i = 0; i < rows; i++) perm[i] = i;
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = rows - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cachedEpoch = epoch;
        }
        int[] out = new int[batch];
        System.arraycopy(perm, k * batch, out, 0, batch);
        return out;
    }
}
