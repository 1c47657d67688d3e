package dev.attnlab.data;

import java.util.SplittableRandom;

/**
 * Which documents of a source's train split are held out, and as what. The rule:
 * <ul>
 *   <li>val: when the source has no val split of its own, or {@code data.split} is {@code fraction},
 *       a seeded random {@code round(val_fraction × n)} (at least 1) of the n train documents;</li>
 *   <li>test: the dataset's own test split whenever it has one (never touched); a source without one
 *       (a text file) holds out a further {@code round(val_fraction × n)} train documents as test.</li>
 * </ul>
 * Held-out documents never appear in train. The choice depends only on (seed, n, fraction).
 */
final class SplitPlan {

    static final byte TRAIN = 0, VAL = 1, TEST = 2;

    private final byte[] assignment;
    private final int val, test;

    SplitPlan(int n, double fraction, boolean holdOutTest, long seed, String what) throws DataException {
        if (!(fraction > 0 && fraction < 0.5)) {
            throw new DataException("data.val_fraction must be in (0, 0.5), not " + fraction);
        }
        int k = Math.max(1, (int) Math.round(fraction * n));
        int need = k * (holdOutTest ? 2 : 1) + 1;
        if (n < need) {
            throw new DataException(what + ": only " + n + " training documents, too few to hold out "
                    + (holdOutTest ? "val and test" : "val") + " (needs at least " + need + "); add data or lower data.val_fraction");
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5F3759DF_A5A5A5A5L);
        int take = k * (holdOutTest ? 2 : 1);
        for (int i = 0; i < take; i++) { // partial Fisher–Yates: the first `take` slots are a uniform sample
            int j = i + rng.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        assignment = new byte[n];
        for (int i = 0; i < k; i++) assignment[perm[i]] = VAL;
        if (holdOutTest) for (int i = k; i < 2 * k; i++) assignment[perm[i]] = TEST;
        this.val = k;
        this.test = holdOutTest ? k : 0;
    }

    byte of(int trainIndex) {
        return assignment[trainIndex];
    }

    int heldOutVal() { return val; }

    int heldOutTest() { return test; }
}
