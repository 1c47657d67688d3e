package dev.attnlab.interpret;

import dev.attnlab.eval.EvaluationTest;
import dev.attnlab.eval.TrainedModel;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.spec.TrackingSpec;
import dev.attnlab.spec.TrainSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The done-when criteria on a really trained model: the quickstart (2-layer attention-only
 * on synthetic repeated tokens, test-sized) grows a layer-1 induction head and a layer-0
 * previous-token head, ablating the induction head destroys the repeated-half prediction, and the
 * 1-layer variant has no induction head. Runs the registered ingest → tokenize → train stages and
 * is skipped (not passed) while those stages are not in the build.
 *
 * <p>Trains two models (about 12 minutes on a busy 2-core machine), so it runs only when asked:
 * {@code mvn -o test -Dtest=QuickstartInductionTest -Dattnlab.quickstart.steps=3000}.
 *
 * <p>Result on 2026-11-29 (3000 steps): the 1-layer test passes (max induction 0.02 on blocks of
 * 16); the 2-layer test FAILS: with the synthetic data's fixed block_len the model solves the task
 * with layer-0 heads that attend block_len - 1 positions back (0.68-0.90 "induction" on blocks of
 * 12, 0.02 on blocks of 16) and grows no induction head. See docs/interpret.md.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "attnlab.quickstart.steps", matches = "\\d+")
class QuickstartInductionTest {

    @TempDir
    Path tmp;

    static final int BLOCK = 12;
    /**
     * Scores are measured on blocks of n_ctx / 2 = 16, not on the training period 12: with a fixed
     * period a head attending to "position q - 11" (learned positions can do that) hits the same
     * stripe as an induction head, so measuring at the training period cannot tell them apart.
     */
    static final int MEASURE = 16;

    static ExperimentSpec spec(int layers) {
        long steps = Long.getLong("attnlab.quickstart.steps", 3000);
        DataSpec data = new DataSpec("synthetic", "", "", "text", "wikitext-103", "auto", 0, 0, "dataset", 0.05, false,
                new DataSpec.Preprocess(false, false, false),
                new DataSpec.Synthetic(100, BLOCK, 2, 8, 20000, 200, 0));
        ModelSpec model = new ModelSpec(layers, 64, 4, 0, 32, "learned", "none", "none", 0, true, false, true, true, 0.02);
        TrainSpec train = new TrainSpec(1e-3, 0.9, 0.999, 1e-8, 0.01, false, false, "constant", 0, 0.1, 1.0, 32,
                steps, 1.0, 0, 4, 0, "none", 50, 0);
        return new ExperimentSpec("quickstart-" + layers + "l", "", "language-model", 0, data,
                new TokenizerSpec("none", "", "truncate", false), model, train,
                new EvaluateSpec(4, 0, 0, MEASURE, 4),
                new InterpretSpec(true, List.of(), 1, 0, 10, true, 4096, MEASURE),
                new TrackingSpec("none", "", ""), Path.of("quickstart.yaml"), Map.of());
    }

    private Map<String, Path> runUpToTrain(ExperimentSpec spec) throws Exception {
        Map<String, Stage> stages = new HashMap<>();
        for (Stage s : ServiceLoader.load(Stage.class)) stages.put(s.name(), s);
        for (String needed : List.of("ingest", "tokenize", "train")) {
            Assumptions.assumeTrue(stages.containsKey(needed),
                    "stage '" + needed + "' is not in this build yet (model/data branches not merged)");
        }
        Map<String, Path> outputs = new HashMap<>();
        for (String name : List.of("ingest", "tokenize", "train")) {
            Path out = Files.createDirectories(tmp.resolve(spec.name()).resolve(name));
            stages.get(name).run(new StageContext(spec, Map.copyOf(outputs), out, dev.attnlab.tracking.Tracker.NONE,
                    Progress.NONE, RunLog.STDERR));
            outputs.put(name, out);
        }
        return outputs;
    }

    @Test
    void twoLayerQuickstartGrowsAnInductionCircuit() throws Exception {
        ExperimentSpec spec = spec(2);
        Map<String, Path> out = runUpToTrain(spec);
        HookedModel model = TrainedModel.load(out.get("train"));
        HeadScores s = HeadScores.compute(model, MEASURE, HeadScores.DEFAULT_SEQUENCES, 1);
        HeadScores atPeriod = HeadScores.compute(model, BLOCK, HeadScores.DEFAULT_SEQUENCES, 1);
        System.err.println("quickstart 2-layer, measured on blocks of " + MEASURE + ": " + s.metrics());
        System.err.println("quickstart 2-layer, measured on the training period " + BLOCK + ": " + atPeriod.metrics());
        int head = 0;
        for (int h = 1; h < model.cfg().nHeads(); h++) {
            if (s.induction()[1][h] > s.induction()[1][head]) head = h;
        }
        double bestInduction = s.induction()[1][head];
        double bestPrev = java.util.Arrays.stream(s.prevToken()[0]).max().orElseThrow();
        assertTrue(bestInduction > 0.5, "layer-1 induction score " + bestInduction + " " + s.metrics());
        assertTrue(bestPrev > 0.5, "layer-0 previous-token score " + bestPrev + " " + s.metrics());

        // ablating that induction head: the repeated half becomes (nearly) unpredictable
        Path tok = out.get("tokenize");
        var data = dev.attnlab.tokenize.TokenizedData.open(tok);
        int[][] val = dev.attnlab.eval.EvalRows.evenlySpaced(data.windows("val", model.cfg().nCtx()), 64);
        int[][] rep = dev.attnlab.eval.RepeatedTokens.generate(64, MEASURE, data.vocabSize(), 2, dev.attnlab.eval.EvalRows.specialIds(data));
        Ablation.Table t = Ablation.run(model, val, data.padId(), rep, MEASURE, 32, Progress.NONE);
        Ablation.Row row = t.row(1, head, Ablation.Kind.MEAN);
        assertTrue(t.cleanInductionLoss() < 1.0, "clean repeated-half loss " + t.cleanInductionLoss());
        assertTrue(row.inductionDelta() > 1.0, "mean-ablating L1H" + head + " raised the repeated-half loss by only "
                + row.inductionDelta());
        EvaluationTest.RecordingTracker tracker = new EvaluationTest.RecordingTracker();
        new InterpretStage().run(new StageContext(spec, out, Files.createDirectories(tmp.resolve("interpret")), tracker,
                Progress.NONE, RunLog.STDERR));
        assertTrue(tracker.artifacts.contains("/report.html"));
    }

    @Test
    void oneLayerVariantHasNoInductionHead() throws Exception {
        Map<String, Path> out = runUpToTrain(spec(1));
        HookedModel model = TrainedModel.load(out.get("train"));
        HeadScores s = HeadScores.compute(model, MEASURE, HeadScores.DEFAULT_SEQUENCES, 1);
        System.err.println("quickstart 1-layer, measured on blocks of " + MEASURE + ": " + s.metrics());
        System.err.println("quickstart 1-layer, measured on the training period " + BLOCK + ": "
                + HeadScores.compute(model, BLOCK, HeadScores.DEFAULT_SEQUENCES, 1).metrics());
        for (int h = 0; h < model.cfg().nHeads(); h++) {
            assertTrue(s.induction()[0][h] <= 0.2, "1-layer head L0H" + h + " induction " + s.induction()[0][h]);
        }
    }
}
