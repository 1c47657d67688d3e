package dev.attnlab.interpret;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OvCopyingTest {

    @Test
    void identityOvHasCopyingScoreOne() {
        int d = 6;
        INDArray eye = Nd4j.eye(d).castTo(DataType.DOUBLE);
        OvCopying.Score s = OvCopying.of(OvCopying.unembedTimesEmbed(eye, eye), eye, eye);
        assertEquals(1.0, s.positiveShare(), 1e-12);
        assertEquals(1.0, s.elhageRatio(), 1e-12);
    }

    @Test
    void negatedIdentityIsAntiCopying() {
        int d = 4;
        INDArray eye = Nd4j.eye(d).castTo(DataType.DOUBLE);
        OvCopying.Score s = OvCopying.of(OvCopying.unembedTimesEmbed(eye, eye), eye, eye.neg());
        assertEquals(0.0, s.positiveShare(), 1e-12);
        assertEquals(-1.0, s.elhageRatio(), 1e-12);
    }

    @Test
    void lowRankHeadOverLargerVocabMatchesFullCircuitEigenvalues() {
        // vocab 9, d_model 5, d_head 2: the d_head-sized matrix must give the same score as the
        // eigenvalues of the explicit 9x9 full OV circuit
        Nd4j.getRandom().setSeed(11);
        INDArray wE = Nd4j.randn(DataType.DOUBLE, 9, 5);
        INDArray wU = Nd4j.randn(DataType.DOUBLE, 5, 9);
        INDArray wV = Nd4j.randn(DataType.DOUBLE, 5, 2);
        INDArray wO = Nd4j.randn(DataType.DOUBLE, 2, 5);
        OvCopying.Score small = OvCopying.of(OvCopying.unembedTimesEmbed(wU, wE), wV, wO);
        INDArray full = wE.mmul(wV).mmul(wO).mmul(wU);
        OvCopying.Score big = OvCopying.fromEigenvalues(EigenValues.of(full.toDoubleMatrix()));
        assertEquals(big.positiveShare(), small.positiveShare(), 1e-9);
        assertEquals(big.elhageRatio(), small.elhageRatio(), 1e-9);
    }

    @Test
    void rotationCopiesNothingPositive() {
        EigenValues.Result r = EigenValues.of(new double[][] {{0, -1}, {1, 0}});
        OvCopying.Score s = OvCopying.fromEigenvalues(r);
        assertEquals(0.0, s.positiveShare(), 1e-12);
        assertTrue(Math.abs(s.elhageRatio()) < 1e-12);
    }
}
