package dev.attnlab.interpret;

import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.pipeline.Progress;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadScoresTest {

    @Test
    void handBuiltInductionCircuitScoresAsDesigned() {
        ReferenceAttentionModel model = HandBuiltInductionModel.build(30, 16, 2, true);
        HeadScores s = HeadScores.compute(model, 0, 32, 5);
        assertTrue(s.prevToken()[0][0] > 0.95, "L0H0 previous-token score " + s.prevToken()[0][0]);
        assertTrue(s.induction()[1][0] > 0.8, "L1H0 induction score " + s.induction()[1][0]);
        assertTrue(s.induction()[0][0] < 0.2, "the previous-token head is no induction head");
        assertTrue(s.prevToken()[1][0] < 0.2, "the induction head is no previous-token head");
        // zero-weight heads attend uniformly: far from every pattern
        assertTrue(s.induction()[0][1] < 0.3 && s.prevToken()[1][1] < 0.3);
        assertEquals(1, s.argMax(s.induction())[0]);
        Map<String, Double> m = s.metrics();
        assertEquals(s.induction()[1][0], m.get("heads/L1H0/induction"));
        assertEquals(2 * 2 * 3, m.size());
    }

    @Test
    void oneLayerModelHasNoInductionHead() {
        ReferenceAttentionModel model = HandBuiltInductionModel.build(30, 16, 2, false);
        HeadScores s = HeadScores.compute(model, 0, 32, 5);
        for (double x : s.induction()[0]) {
            assertTrue(x < 0.2, "induction " + x);
        }
    }

    @Test
    void ablatingEitherCircuitHeadDestroysRepeatedHalfPrediction() {
        ReferenceAttentionModel model = HandBuiltInductionModel.build(64, 16, 2, true);
        int[][] ind = RepeatedTokens.generate(16, 8, 64, 9);
        int[][] val = RepeatedTokens.generate(8, 8, 64, 10); // any rows of n_ctx+1 <= 16 tokens
        Ablation.Table t = Ablation.run(model, val, -1, ind, 8, 8, Progress.NONE);
        // ln 64 = 4.16 for a uniform guess; collisions inside a block make a few queries ambiguous
        assertTrue(t.cleanInductionLoss() < 0.5, "clean repeated-half loss " + t.cleanInductionLoss());
        for (Ablation.Kind kind : Ablation.Kind.values()) {
            assertTrue(t.row(0, 0, kind).inductionDelta() > 1.0, kind + " L0H0 " + t.row(0, 0, kind));
            assertTrue(t.row(1, 0, kind).inductionDelta() > 1.0, kind + " L1H0 " + t.row(1, 0, kind));
        }
        // the zero-weight heads output nothing: ablating them changes nothing
        assertEquals(0.0, t.row(0, 1, Ablation.Kind.ZERO).inductionDelta(), 1e-5);
        assertEquals(0.0, t.row(1, 1, Ablation.Kind.MEAN).valDelta(), 1e-5);
        assertEquals(4 * 2 * 2, t.metrics().size());
    }
}
