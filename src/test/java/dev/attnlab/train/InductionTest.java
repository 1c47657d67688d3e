package dev.attnlab.train;

import dev.attnlab.spec.ModelSpec;

import dev.attnlab.model.ModelConfig;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.TrainSpec;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Olsson et al. (2022): induction heads need two layers (a previous-token head whose output a
 * second-layer head composes with). On the repeated-token task the 2-layer attention-only model
 * drives the loss on the second copy far below ln(vocab); the 1-layer model cannot.
 */
class InductionTest {

    static final int VOCAB = 64, ROW = 38, STEPS = 4000;

    static TrainSpec spec(long steps) {
        return new TrainSpec(1e-2, 0.9, 0.98, 1e-8, 0.0, false, false, TrainSpec.Schedule.CONSTANT, 0, 0.1, 1.0,
                32, steps, 1.0, 0, 0, 0, TrainSpec.Resume.NONE, 1, 0, "");
    }

    static ModelConfig model(int layers) {
        return new ModelConfig(layers, 32, 2, 16, ROW - 1, VOCAB + 1, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0,
                true, false, true, true, 0.02);
    }

    static double trainAndMeasure(int layers, Path dir) throws Exception {
        RepeatedTokens data = new RepeatedTokens(VOCAB, ROW, 6, 16, 5, 4000, 1);
        RepeatedTokens held = new RepeatedTokens(VOCAB, ROW, 6, 16, 5, 300, 2);
        Trainer t = new Trainer(model(layers), spec(STEPS), 0, data.padId(), data.asRows(), null,
                new Checkpoints(dir), null, Tracker.NONE, Progress.NONE, RunLog.STDERR);
        t.run();
        double loss = held.repeatedHalfLoss(t.model());
        System.err.printf("induction: %d layer(s), %d steps: repeated-half loss %.3f (ln vocab %.3f)%n",
                layers, STEPS, loss, Math.log(VOCAB));
        return loss;
    }

    @Test
    void twoLayersLearnInductionOneLayerDoesNot(@TempDir Path dir) throws Exception {
        double two = trainAndMeasure(2, dir.resolve("two"));
        double one = trainAndMeasure(1, dir.resolve("one"));
        // ln 64 = 4.16. An induction head copies the token that followed the previous occurrence of
        // the current token: near-certain, so the loss falls well under 1 nat (measured: the bump
        // comes at ~2,300-2,800 steps, 0.78-1.25 shortly after; 4,000 steps leave margin).
        assertTrue(two < 1.0, "2-layer repeated-half loss " + two);
        // A 1-layer model cannot compose "where was my token before" with "what came next". Its best
        // strategies: spread the guess over tokens already seen (~15-25 distinct: ln ≈ 2.7-3.2), or
        // attend at the copy distance — unknown, one of 11 block lengths (6..16): ln 11 = 2.4. So 2.0
        // is a floor it cannot reach however long it trains (measured: 2.89 at 3,500 steps).
        assertTrue(one > 2.0, "1-layer repeated-half loss " + one);
    }
}
