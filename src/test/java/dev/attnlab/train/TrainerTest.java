package dev.attnlab.train;

import dev.attnlab.spec.ModelSpec;

import dev.attnlab.model.ModelConfig;
import dev.attnlab.model.Transformer;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.SpecChoice;
import dev.attnlab.spec.TrainSpec;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {

    static final ModelConfig MODEL = new ModelConfig(2, 32, 4, 8, 16, 50, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0,
            true, false, true, true, 0.02);

    static TrainSpec spec(long steps, int checkpointEvery, String resume, String schedule, double clip) {
        return new TrainSpec(3e-3, 0.9, 0.999, 1e-8, 0.01, false, false, SpecChoice.of(TrainSpec.Schedule.class, schedule),
                5, 0.1, clip, 8, steps, 1.0, 10, 2, checkpointEvery, SpecChoice.of(TrainSpec.Resume.class, resume), 1, 0, "");
    }

    static Rows randomRows(int n, int len, long seed) {
        Random r = new Random(seed);
        int[][] rows = new int[n][len];
        for (int[] row : rows) for (int i = 0; i < len; i++) row[i] = r.nextInt(50);
        return Rows.of(rows);
    }

    /** Records metrics; optionally dies (as a killed process would) after a given train step. */
    static class Recorder implements Tracker {
        final Map<String, TreeMap<Long, Double>> metrics = new TreeMap<>();
        final long dieAfter;

        Recorder(long dieAfter) { this.dieAfter = dieAfter; }

        @Override public void logParams(Map<String, String> params) { }
        @Override public void logMetric(String key, double value, long step) {
            metrics.computeIfAbsent(key, k -> new TreeMap<>()).put(step, value);
            if (key.equals("train/tokens_per_s") && step == dieAfter) throw new IllegalStateException("killed");
        }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String artifactDir) { }
        @Override public void flush() { }
        @Override public void close() { }
    }

    static Trainer trainer(TrainSpec spec, Path ck, Tracker tracker) {
        return new Trainer(MODEL, spec, 7, -1, randomRows(200, 17, 1), randomRows(40, 17, 2),
                new Checkpoints(ck), null, tracker, Progress.NONE, RunLog.STDERR);
    }

    @Test
    void killedAndResumedRunGivesTheSameLossCurve(@TempDir Path dir) throws Exception {
        TrainSpec plain = spec(60, 20, "none", "warmup_cosine", 0.5);
        Recorder whole = new Recorder(-1);
        trainer(plain, dir.resolve("whole"), whole).run();

        Recorder first = new Recorder(47);                     // dies 7 steps after the step-40 checkpoint
        assertThrows(IllegalStateException.class, () -> trainer(plain, dir.resolve("split"), first).run());
        Recorder second = new Recorder(-1);
        Trainer.Summary s = trainer(spec(60, 20, "latest", "warmup_cosine", 0.5), dir.resolve("split"), second).run();
        assertEquals(40, s.resumedFromStep());

        TreeMap<Long, Double> a = whole.metrics.get("train/loss"), b = second.metrics.get("train/loss");
        assertEquals(60, a.size());
        assertEquals(20, b.size(), "the resumed run does steps 41..60");
        for (long step = 41; step <= 60; step++) {
            assertEquals(a.get(step), b.get(step), 0.0, "train/loss at step " + step);
            assertEquals(whole.metrics.get("train/grad_norm").get(step), second.metrics.get("train/grad_norm").get(step), 0.0);
            assertEquals(whole.metrics.get("train/lr").get(step), second.metrics.get("train/lr").get(step), 0.0);
        }
        for (long step = 1; step <= 47; step++) assertEquals(a.get(step), first.metrics.get("train/loss").get(step), 0.0);
        assertEquals(whole.metrics.get("val/loss").get(60L), second.metrics.get("val/loss").get(60L), 0.0);
    }

    @Test
    void aStopRequestCheckpointsTheStepInProgressAndTheResumeContinuesExactly(@TempDir Path dir) throws Exception {
        TrainSpec plain = spec(60, 20, "none", "warmup_cosine", 0.5);
        Recorder whole = new Recorder(-1);
        trainer(plain, dir.resolve("whole"), whole).run();

        // Ctrl-C arrives during step 47: 7 steps after the periodic checkpoint at 40
        Trainer[] stopped = new Trainer[1];
        Recorder first = new Recorder(-1) {
            @Override public void logMetric(String key, double value, long step) {
                super.logMetric(key, value, step);
                if (key.equals("train/loss") && step == 47) stopped[0].requestStop();
            }
        };
        stopped[0] = trainer(plain, dir.resolve("split"), first);
        assertThrows(InterruptedException.class, () -> stopped[0].run());
        assertEquals(47, first.metrics.get("train/loss").lastKey(), "no step after the one in progress");
        assertEquals(List.of("step-00000040", "step-00000047"), new Checkpoints(dir.resolve("split")).complete().stream()
                .map(p -> p.getFileName().toString()).toList(), "a checkpoint at the stop, besides the periodic one");

        Recorder second = new Recorder(-1);
        Trainer.Summary s = trainer(spec(60, 20, "latest", "warmup_cosine", 0.5), dir.resolve("split"), second).run();
        assertEquals(47, s.resumedFromStep(), "resumed from the stop, not from step 40");
        for (long step = 48; step <= 60; step++) {
            assertEquals(whole.metrics.get("train/loss").get(step), second.metrics.get("train/loss").get(step), 0.0,
                    "train/loss at step " + step);
        }
        assertEquals(whole.metrics.get("val/loss").get(60L), second.metrics.get("val/loss").get(60L), 0.0);
    }

    @Test
    void resumeRefusesACheckpointOfAnotherConfiguration(@TempDir Path dir) throws Exception {
        trainer(spec(10, 5, "none", "constant", 0), dir, Tracker.NONE).run();
        TrainSpec other = new TrainSpec(1e-2, 0.9, 0.999, 1e-8, 0.01, false, false, TrainSpec.Schedule.CONSTANT, 5, 0.1, 0,
                8, 10, 1.0, 10, 2, 5, TrainSpec.Resume.LATEST, 1, 0, "");
        var e = assertThrows(java.io.IOException.class, () -> trainer(other, dir, Tracker.NONE).run());
        assertTrue(e.getMessage().contains("train.resume: none"), e.getMessage());
    }

    @Test
    void checkpointsAreCompleteAndPruned(@TempDir Path dir) throws Exception {
        trainer(spec(30, 5, "none", "constant", 0), dir, Tracker.NONE).run();
        List<Path> kept = new Checkpoints(dir).complete();
        assertEquals(List.of("step-00000025", "step-00000030"), kept.stream().map(p -> p.getFileName().toString()).toList());
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")), "no temp leftovers");
        }
    }

    @Test
    void lossAtInitialisationIsLnVocab() {
        Transformer m = Transformer.init(MODEL, DataType.FLOAT, 3);
        Random r = new Random(4);
        int[] tokens = new int[4 * 16], targets = new int[4 * 16];
        for (int i = 0; i < tokens.length; i++) { tokens[i] = r.nextInt(50); targets[i] = r.nextInt(50); }
        var acts = m.forward(tokens, 4, 16, false, dev.attnlab.model.HookedModel.HookEditor.NONE);
        double loss = Transformer.crossEntropy(acts.logits(), targets, -1, false).mean();
        assertEquals(Math.log(50), loss, 0.01, "uniform prediction at init scale 0.02");
    }

    @Test
    void trainingLowersTheLossAndLogsEveryMetric(@TempDir Path dir) throws Exception {
        // rows that repeat one of 5 patterns: learnable quickly
        Random r = new Random(9);
        int[][] patterns = new int[5][17];
        for (int[] p : patterns) for (int i = 0; i < 17; i++) p[i] = r.nextInt(50);
        int[][] rows = new int[100][];
        for (int i = 0; i < rows.length; i++) rows[i] = patterns[i % 5].clone();
        Recorder rec = new Recorder(-1);
        TrainSpec fast = new TrainSpec(1e-2, 0.9, 0.999, 1e-8, 0.0, false, false, TrainSpec.Schedule.CONSTANT, 0, 0.1, 1.0,
                8, 60, 1.0, 10, 2, 0, TrainSpec.Resume.NONE, 1, 0, "");
        Trainer t = new Trainer(MODEL, fast, 1, -1, Rows.of(rows), Rows.of(rows),
                new Checkpoints(dir), null, rec, Progress.NONE, RunLog.STDERR);
        Trainer.Summary s = t.run();
        for (String k : List.of("train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s")) {
            assertEquals(60, rec.metrics.get(k).size(), k);
        }
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L), new ArrayList<>(rec.metrics.get("val/loss").keySet()));
        assertTrue(s.trainLoss() < 1.5, "memorisable data (ln 50 = 3.9): loss " + s.trainLoss());
        assertEquals(Math.exp(s.valLoss()), rec.metrics.get("val/ppl").get(60L), 1e-9);
    }

    /**
     * Trains at lr 1e35 with no clipping, evaluating every {@code evalEvery} steps: the first update
     * puts the weights near float's limit and the logits overflow. Returns the error it stops with.
     */
    private static IllegalStateException divergingRun(Path dir, int evalEvery, Recorder rec) {
        TrainSpec wild = new TrainSpec(1e35, 0.9, 0.999, 1e-8, 0.0, false, false, TrainSpec.Schedule.CONSTANT, 0, 0.1, 0.0,
                8, 60, 1.0, evalEvery, 2, 0, TrainSpec.Resume.NONE, 1, 0, "");
        return assertThrows(IllegalStateException.class, () -> trainer(wild, dir, rec).run());
    }

    @Test
    void aDivergingRunLogsItsNonFiniteLossAndStopsWithTheFix(@TempDir Path dir) {
        Recorder rec = new Recorder(-1);
        IllegalStateException e = divergingRun(dir, 10, rec);
        TreeMap<Long, Double> loss = rec.metrics.get(Trainer.TRAIN_LOSS);
        long at = loss.lastKey();
        assertTrue(at < 60, "stopped at step " + at);
        assertFalse(Double.isFinite(loss.get(at)), "the last logged loss is the non-finite one: " + loss);
        assertTrue(e.getMessage().contains("at step " + at + "; lower train.lr or set train.grad_clip"), e.getMessage());
    }

    @Test
    void aDivergedValidationLossAlsoStopsTraining(@TempDir Path dir) {
        Recorder rec = new Recorder(-1);
        IllegalStateException e = divergingRun(dir, 1, rec); // evaluated after step 1, before step 2's loss
        TreeMap<Long, Double> val = rec.metrics.get(Trainer.VAL_LOSS);
        assertEquals(List.of(1L), new ArrayList<>(val.keySet()), "stopped at the first evaluation");
        assertFalse(Double.isFinite(val.get(1L)));
        assertTrue(e.getMessage().startsWith("validation loss became "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" at step 1; lower train.lr or set train.grad_clip"), e.getMessage());
    }

    @Test
    void padTargetsAreNotScored() {
        Transformer m = Transformer.init(MODEL, DataType.DOUBLE, 3);
        int[] tokens = {1, 2, 3, 4, 5, 6, 7, 8};
        int[] t1 = {2, 3, 4, 5, 6, 7, 8, 9};
        int[] t2 = {2, 3, 4, 5, 49, 49, 49, 49};            // 49 = pad
        var acts = m.forward(tokens, 1, 8, false, dev.attnlab.model.HookedModel.HookEditor.NONE);
        var all = Transformer.crossEntropy(acts.logits(), t1, -1, false);
        var padded = Transformer.crossEntropy(acts.logits(), t2, 49, false);
        assertEquals(4, padded.count());
        var firstFour = Transformer.crossEntropy(acts.logits().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(), new int[]{2, 3, 4, 5}, -1, false);
        assertEquals(firstFour.sum(), padded.sum(), 1e-12);
        assertNotEquals(all.mean(), padded.mean());
    }
}
