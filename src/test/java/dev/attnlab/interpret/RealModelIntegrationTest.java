package dev.attnlab.interpret;

import dev.attnlab.pipeline.StageRuns;

import dev.attnlab.eval.EvaluationTest;
import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.model.ModelConfig;
import dev.attnlab.model.ModelIO;
import dev.attnlab.model.Transformer;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scores, ablation and the interpret stage on the production model (randomly initialised, saved and loaded). */
class RealModelIntegrationTest {

    @TempDir
    Path tmp;

    @Test
    void interpretStageRunsOnASavedProductionModel() throws Exception {
        ModelConfig cfg = ReferenceAttentionModel.config(2, 32, 2, 16, 16, 64);
        Transformer model = Transformer.init(cfg, DataType.FLOAT, 5);
        Path train = Files.createDirectories(tmp.resolve("train"));
        ModelIO.save(model, Files.createDirectories(train.resolve("model")));
        Path tok = EvaluationTest.writeTokenized(tmp.resolve("tok"), 64, 12);

        // head scores of a random model: every head near uniform attention, none is an induction head
        HeadScores s = HeadScores.compute(model, 0, 16, 1);
        for (double[] layer : s.induction()) {
            for (double x : layer) assertTrue(x >= 0 && x < 0.3, "random head induction " + x);
        }
        // zero-ablating a head through the model's hook editor changes the loss
        int[][] rows = RepeatedTokens.generate(8, 8, 64, 3);
        Ablation.Table t = Ablation.run(model, rows, -1, rows, 8, 4, Progress.NONE);
        assertNotEquals(0.0, t.row(0, 1, Ablation.Kind.ZERO).valDelta());
        assertTrue(Double.isFinite(t.cleanValLoss()));

        ExperimentSpec base = dev.attnlab.eval.QuickSpecAccess.spec();
        ExperimentSpec spec = new ExperimentSpec(base.name(), base.description(), base.pipeline(), base.seed(), base.data(),
                base.tokenizer(), base.model(), base.train(), base.evaluate(),
                new InterpretSpec(true, List.of("1 2 3 1 2 3"), 1, 0, 5, true, 16, 0), base.tracking(), base.file(), base.resolved());
        EvaluationTest.RecordingTracker tracker = new EvaluationTest.RecordingTracker();
        Path out = Files.createDirectories(tmp.resolve("interpret"));
        StageRuns.run(new InterpretStage(), spec, key -> new StageContext(key, Map.of("train", train, "tokenize", tok), out, tracker,
                Progress.NONE, RunLog.STDERR));
        assertEquals(2 * 2 * 3, tracker.last.keySet().stream().filter(k -> k.matches("heads/L\\dH\\d/(prev_token|duplicate_token|induction)")).count());
        assertTrue(Files.readString(out.resolve("report.html")).contains("Strongest induction head"));
        assertTrue(tracker.artifacts.contains("/report.html"));
    }
}
