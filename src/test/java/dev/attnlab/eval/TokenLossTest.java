package dev.attnlab.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenLossTest {

    @Test
    void crossEntropyAccuracyAndPaddingByHand() {
        // one row, two positions, vocab 3
        float[][][] logits = {{{0f, 0f, 0f}, {2f, 0f, 0f}}};
        TokenLoss.Result r = TokenLoss.of(Nd4j.createFromArray(logits), new int[][] {{1, 0}}, -1);
        assertEquals(Math.log(3), r.nll()[0][0], 1e-6);
        assertEquals(Math.log(Math.exp(2) + 2) - 2, r.nll()[0][1], 1e-6);
        assertTrue(r.correct()[0][1]);
        // padding target 0 is excluded
        TokenLoss.Result padded = TokenLoss.of(Nd4j.createFromArray(logits), new int[][] {{1, 0}}, 0);
        assertTrue(Float.isNaN(padded.nll()[0][1]));
        assertFalse(padded.correct()[0][1]);
        assertEquals(Math.log(3), padded.mean(p -> true), 1e-6);
    }

    @Test
    void targetOutsideVocabularyIsAnError() {
        float[][][] logits = {{{0f, 0f}}};
        assertThrows(IllegalArgumentException.class,
                () -> TokenLoss.of(Nd4j.createFromArray(logits), new int[][] {{5}}, -1));
    }

    @Test
    void repeatedTokensHalvesAndBlockLength() {
        int[][] rows = RepeatedTokens.generate(3, 4, 10, 1, 0);
        for (int[] r : rows) {
            for (int i = 0; i < 4; i++) {
                assertEquals(r[i], r[i + 4]);
                assertTrue(r[i] != 0, "excluded id drawn");
            }
        }
        // L = 4: outputs 0..2 predict targets 1..3 (first half); output 3 predicts the unpredictable
        // first copy token; outputs 4..6 predict targets 5..7 (repeated half)
        assertTrue(RepeatedTokens.isFirstHalfPrediction(2, 4));
        assertFalse(RepeatedTokens.isFirstHalfPrediction(3, 4));
        assertFalse(RepeatedTokens.isRepeatedHalfPrediction(3, 4));
        assertTrue(RepeatedTokens.isRepeatedHalfPrediction(4, 4));
        assertTrue(RepeatedTokens.isRepeatedHalfPrediction(6, 4));
        assertEquals(8, RepeatedTokens.blockLength(0, 16));
        assertThrows(IllegalArgumentException.class, () -> RepeatedTokens.blockLength(9, 16));
    }
}
