package dev.attnlab.interpret;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-head scores of attention patterns, as pure functions of a pattern
 * {@code [batch, n_heads, query_pos, key_pos]} (rows sum to 1 over keys 0..query) and the tokens
 * {@code [batch][pos]} that produced it. Each score is the mean, over every query position that
 * has a defined target, of the attention mass on the target keys (Olsson et al. 2022; ARENA):
 * <ul>
 *   <li>previous-token: key {@code q-1}, for queries {@code q >= 1};</li>
 *   <li>duplicate-token: keys {@code k < q} holding the same token as the query;</li>
 *   <li>induction: keys {@code k <= q} whose previous token {@code t[k-1]} equals the query's
 *       token and {@code k-1 < q} (the token after an earlier occurrence of the current token).
 *       On a random block repeated twice this is the stripe {@code k = q - L + 1}.</li>
 * </ul>
 * Queries without any target key are left out of the mean; a head with no scored query gets NaN.
 * A perfect head of each kind scores 1.
 */
public final class AttentionScores {

    private AttentionScores() {
    }

    public enum Kind { PREV_TOKEN, DUPLICATE_TOKEN, INDUCTION }

    public static double[] prevToken(INDArray pattern, int[][] tokens) {
        return score(pattern, tokens, Kind.PREV_TOKEN);
    }

    public static double[] duplicateToken(INDArray pattern, int[][] tokens) {
        return score(pattern, tokens, Kind.DUPLICATE_TOKEN);
    }

    public static double[] induction(INDArray pattern, int[][] tokens) {
        return score(pattern, tokens, Kind.INDUCTION);
    }

    /** One score per head. */
    public static double[] score(INDArray pattern, int[][] tokens, Kind kind) {
        if (pattern.rank() != 4 || pattern.size(2) != pattern.size(3)) {
            throw new IllegalArgumentException("pattern must be [batch, heads, pos, pos], got "
                    + java.util.Arrays.toString(pattern.shape()));
        }
        int b = (int) pattern.size(0);
        int h = (int) pattern.size(1);
        int t = (int) pattern.size(2);
        if (tokens.length != b || tokens[0].length != t) {
            throw new IllegalArgumentException("tokens are " + tokens.length + " x " + tokens[0].length
                    + " but the pattern covers " + b + " x " + t);
        }
        float[] p = pattern.castTo(DataType.FLOAT).dup('c').data().asFloat();
        double[] sum = new double[h];
        long[] count = new long[h];
        for (int bi = 0; bi < b; bi++) {
            int[] tok = tokens[bi];
            for (int q = 0; q < t; q++) {
                boolean[] target = targets(tok, q, kind);
                if (target == null) {
                    continue;
                }
                for (int hi = 0; hi < h; hi++) {
                    int row = ((bi * h + hi) * t + q) * t;
                    double mass = 0;
                    for (int k = 0; k <= q; k++) {
                        if (target[k]) {
                            mass += p[row + k];
                        }
                    }
                    sum[hi] += mass;
                    count[hi]++;
                }
            }
        }
        double[] out = new double[h];
        for (int hi = 0; hi < h; hi++) {
            out[hi] = count[hi] == 0 ? Double.NaN : sum[hi] / count[hi];
        }
        return out;
    }

    /** The target keys of query {@code q}, or null when it has none. */
    static boolean[] targets(int[] tok, int q, Kind kind) {
        boolean[] target = new boolean[q + 1];
        boolean any = false;
        switch (kind) {
            case PREV_TOKEN -> {
                if (q >= 1) {
                    target[q - 1] = true;
                    any = true;
                }
            }
            case DUPLICATE_TOKEN -> {
                for (int k = 0; k < q; k++) {
                    if (tok[k] == tok[q]) {
                        target[k] = true;
                        any = true;
                    }
                }
            }
            case INDUCTION -> {
                for (int k = 1; k <= q; k++) {
                    if (tok[k - 1] == tok[q] && k - 1 < q) {
                        target[k] = true;
                        any = true;
                    }
                }
            }
        }
        return any ? target : null;
    }
}
