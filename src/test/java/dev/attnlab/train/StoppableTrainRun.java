package dev.attnlab.train;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.TrainSpec;
import dev.attnlab.tracking.Tracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A child JVM for {@link TrainStopTest}: the train stage on a tiny model for 100,000 steps with no
 * periodic checkpoint, slowed to about 50 steps a second; prints READY after step 3 and trains on
 * until a signal ends it. args: work dir.
 */
public final class StoppableTrainRun {

    static final long STEPS = 100_000;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path tok = TrainStageTest.tokenized(work.resolve("tokenize"));
        ModelSpec m = new ModelSpec(1, 16, 2, 0, 12, "learned", "none", "none", 0, true, false, true, true, 0.02);
        TrainSpec t = new TrainSpec(1e-3, 0.9, 0.999, 1e-8, 0.01, false, false, "constant", 0, 0.1, 1.0,
                4, STEPS, 1.0, 0, 2, 0, "latest", 1, 0);
        ExperimentSpec spec = new ExperimentSpec("t", "", "language-model", 5, null, null, m, t, null,
                new InterpretSpec(true, List.of(), 2, 0, 20, true, 4096, 0), null, null, Map.of());
        Tracker slow = new Tracker() {
            @Override public void logParams(Map<String, String> params) { }
            @Override public void logMetric(String key, double value, long step) {
                if (!key.equals("train/loss")) return;
                if (step == 3) {
                    System.out.println("READY");
                    System.out.flush();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            @Override public void setTag(String key, String value) { }
            @Override public void logArtifact(Path file, String dir) { }
            @Override public void flush() { }
            @Override public void close() { }
        };
        new TrainStage().run(new StageContext(spec, Map.of("tokenize", tok), Files.createDirectories(work.resolve("out")),
                slow, Progress.NONE, RunLog.STDERR, work.resolve("state")));
    }
}
