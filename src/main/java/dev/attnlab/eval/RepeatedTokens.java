package dev.attnlab.eval;

import java.util.Random;

/**
 * The repeated-random-token task (Olsson et al. 2022): each sequence is a block of {@code blockLen}
 * uniformly random tokens followed by the same block again. Only an in-context mechanism (an
 * induction head) can predict the second copy, so loss on it measures in-context copying.
 */
public final class RepeatedTokens {

    private RepeatedTokens() {
    }

    /** The block length to use: {@code requested} when positive, else n_ctx / 2; always 2..n_ctx/2. */
    public static int blockLength(int requested, int nCtx) {
        int len = requested > 0 ? requested : nCtx / 2;
        if (len < 2 || 2 * len > nCtx) {
            throw new IllegalArgumentException("induction_block_len " + len + " does not fit twice in n_ctx "
                    + nCtx + " (use 2.." + nCtx / 2 + ", or 0 for n_ctx/2)");
        }
        return len;
    }

    /**
     * {@code count} sequences of length 2 * blockLen over tokens {@code 0..vocab-1}, skipping the
     * {@code excluded} ids (end-of-text / padding), from a seeded generator.
     */
    public static int[][] generate(int count, int blockLen, int vocab, long seed, int... excluded) {
        Random rng = new Random(seed);
        int[][] out = new int[count][2 * blockLen];
        for (int[] row : out) {
            for (int i = 0; i < blockLen; i++) {
                int tok;
                do {
                    tok = rng.nextInt(vocab);
                } while (contains(excluded, tok));
                row[i] = tok;
                row[i + blockLen] = tok;
            }
        }
        return out;
    }

    /**
     * Which target positions count as "first half" and "repeated half" for a sequence of the
     * task. Position p of the model's output predicts token p + 1. First half: targets 1..L-1.
     * Repeated half: targets L+1..2L-1 (target L, the first token of the copy, is unpredictable
     * and left out).
     */
    public static boolean isFirstHalfPrediction(int outputPos, int blockLen) {
        int target = outputPos + 1;
        return target >= 1 && target <= blockLen - 1;
    }

    public static boolean isRepeatedHalfPrediction(int outputPos, int blockLen) {
        int target = outputPos + 1;
        return target >= blockLen + 1 && target <= 2 * blockLen - 1;
    }

    private static boolean contains(int[] xs, int v) {
        for (int x : xs) {
            if (x == v) return true;
        }
        return false;
    }
}
