package dev.attnlab.interpret;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionScoresTest {

    /** Tokens: a random-looking block of 5 distinct tokens repeated twice. */
    static final int[][] REPEATED = {{7, 3, 9, 1, 4, 7, 3, 9, 1, 4}};
    static final int L = 5;
    static final int T = 2 * L;

    /** Head 0 attends to key target(q); head 1 is uniform over the causal prefix. */
    static INDArray pattern(java.util.function.IntUnaryOperator target) {
        float[][][][] p = new float[1][2][T][T];
        for (int q = 0; q < T; q++) {
            p[0][0][q][target.applyAsInt(q)] = 1f;
            for (int k = 0; k <= q; k++) {
                p[0][1][q][k] = 1f / (q + 1);
            }
        }
        return Nd4j.createFromArray(p);
    }

    @Test
    void perfectPreviousTokenPatternScoresOne() {
        INDArray p = pattern(q -> Math.max(q - 1, 0));
        double[] s = AttentionScores.prevToken(p, REPEATED);
        assertEquals(1.0, s[0], 1e-9);
        // uniform head: mean over q=1..9 of 1/(q+1)
        double expected = 0;
        for (int q = 1; q < T; q++) expected += 1.0 / (q + 1);
        assertEquals(expected / (T - 1), s[1], 1e-6);
    }

    @Test
    void perfectInductionStripeScoresOneAndIsNotPreviousToken() {
        // second half attends to q - L + 1; first half to itself
        INDArray p = pattern(q -> q >= L ? q - L + 1 : q);
        double[] ind = AttentionScores.induction(p, REPEATED);
        assertEquals(1.0, ind[0], 1e-9);
        double[] prev = AttentionScores.prevToken(p, REPEATED);
        assertTrue(prev[0] < 0.2, "an induction head is not a previous-token head: " + prev[0]);
        double[] dup = AttentionScores.duplicateToken(p, REPEATED);
        assertEquals(0.0, dup[0], 1e-9);
    }

    @Test
    void perfectDuplicateTokenPatternScoresOne() {
        INDArray p = pattern(q -> q >= L ? q - L : q);
        assertEquals(1.0, AttentionScores.duplicateToken(p, REPEATED)[0], 1e-9);
        assertEquals(0.0, AttentionScores.induction(p, REPEATED)[0], 1e-9);
    }

    @Test
    void previousTokenHeadHasNoInductionScore() {
        INDArray p = pattern(q -> Math.max(q - 1, 0));
        // q - 1 is the stripe only where tok[q-2] == tok[q], which never happens here
        assertEquals(0.0, AttentionScores.induction(p, REPEATED)[0], 1e-9);
    }

    @Test
    void repeatedTokensInsideTheBlockSplitTheStripe() {
        // token 5 occurs twice before the last query: the induction targets are both successors
        int[][] tok = {{5, 1, 5, 2, 5}};
        float[][][][] p = new float[1][1][5][5];
        for (int q = 0; q < 5; q++) p[0][0][q][q] = 1f;
        p[0][0][4][4] = 0f;
        p[0][0][4][1] = 0.5f;
        p[0][0][4][3] = 0.5f;
        // query 2 (token 5): target key 1; it attends to itself -> 0. query 4: targets 1 and 3 -> 1.
        double[] s = AttentionScores.induction(Nd4j.createFromArray(p), tok);
        assertEquals(0.5, s[0], 1e-9);
    }

    @Test
    void shapeMismatchIsReported() {
        INDArray p = pattern(q -> q);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AttentionScores.induction(p, new int[][] {{1, 2, 3}}));
    }
}
