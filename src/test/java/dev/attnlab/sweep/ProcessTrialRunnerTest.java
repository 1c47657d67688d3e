package dev.attnlab.sweep;

import dev.attnlab.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trials as real processes ({@link FakeTrialMain} standing in for 'attnlab run'). */
class ProcessTrialRunnerTest {

    @TempDir
    Path dir;

    private ProcessTrialRunner runner() {
        return new ProcessTrialRunner(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Dfake.out=" + dir.resolve("seen.json"), "-cp", System.getProperty("java.class.path"),
                FakeTrialMain.class.getName()));
    }

    private TrialRunner.Request request(Map<String, Object> overrides) {
        Map<String, Object> o = new LinkedHashMap<>(overrides);
        o.put("train.threads", 1);
        return new TrialRunner.Request(dir.resolve("base.yaml"), "trial-0000", o, 1,
                Map.of("mlflow.parentRunId", "abc123", "attnlab.trial", "trial-0000"), dir.resolve("t"), null);
    }

    @Test
    void aFinishedTrialReportsItsMetricsAndGetsItsThreadsAndTags() throws Exception {
        List<Double> seen = new ArrayList<>();
        long[] pid = new long[1];
        TrialRunner.Result r = runner().run(request(Map.of("train.lr", 0.001, "train.steps", 4)), new TrialRunner.Listener() {
            @Override
            public void started(long p) {
                pid[0] = p;
            }

            @Override
            public boolean metric(String key, double value, long step) {
                if (key.equals("val/loss")) {
                    seen.add(value);
                }
                return true;
            }
        });
        assertEquals(TrialStatus.FINISHED, r.status());
        assertEquals(List.of(2.0, 1.5, 1.0 + 1.0 / 3, 1.25), seen);
        assertTrue(pid[0] > 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> args = SweepStore.JSON.readValue(dir.resolve("seen.json").toFile(), Map.class);
        assertEquals("run", args.get("command"));
        assertEquals(dir.resolve("base.yaml").toString(), args.get("spec"));
        assertEquals(Map.of("train.lr", "0.001", "train.steps", "4", "train.threads", "1"), args.get("sets"));
        assertEquals("1", args.get("omp"));
        assertEquals(Map.of("mlflow.parentRunId", "abc123", "attnlab.trial", "trial-0000"), args.get("tags"));
        String command = Files.readString(dir.resolve("t/command.txt"));
        assertTrue(command.contains(FakeTrialMain.class.getName() + " run " + dir.resolve("base.yaml") + " --set "), command);
        assertTrue(command.contains(" --set train.lr=0.001") && command.contains(" --set train.threads=1"), command);
    }

    @Test
    void stoppingATrialKillsItsProcess() throws Exception {
        long[] pid = new long[1];
        int[] reports = new int[1];
        long t0 = System.nanoTime();
        TrialRunner.Result r = runner().run(request(Map.of("train.steps", 1000)), new TrialRunner.Listener() {
            @Override
            public void started(long p) {
                pid[0] = p;
            }

            @Override
            public boolean metric(String key, double value, long step) {
                return !key.equals("val/loss") || ++reports[0] < 2;
            }
        });
        assertEquals(TrialStatus.KILLED, r.status());
        assertEquals(2, reports[0], "no report is delivered after the stop");
        assertFalse(ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false), "the trial's process is gone");
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "stopped long before its 1000 evaluations (100 s)");
    }

    @Test
    void aFailingTrialIsCrashedWithItsExitCodeAndLastLogLine() throws Exception {
        TrialRunner.Result r = runner().run(request(Map.of("fake.crash", true)), (k, v, s) -> true);
        assertEquals(TrialStatus.CRASHED, r.status());
        assertTrue(r.message().startsWith("exit code 3: boom: the fake trial crashed (log: "), r.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {Trainer.TRAIN_LOSS, Trainer.VAL_LOSS})
    void aTrialThatFailsAfterReportingANonFiniteLossDiverged(String metric) throws Exception {
        TrialRunner.Result r = runner().run(request(Map.of("fake.diverge", metric)), (k, v, s) -> true);
        assertEquals(TrialStatus.DIVERGED, r.status());
        assertTrue(r.message().startsWith(metric + " became Infinity at step 17 (log: "), r.message());
    }

    @Test
    void aNonFiniteValueOfAnotherMetricBeforeAFailureIsStillACrash() throws Exception {
        TrialRunner.Result r = runner().run(request(Map.of("fake.diverge", "interpret/score")), (k, v, s) -> true);
        assertEquals(TrialStatus.CRASHED, r.status());
        assertTrue(r.message().startsWith("exit code 1: interpret/score became Infinity"), r.message());
    }

    @Test
    void aMissingLauncherIsACrashNotAnException() throws Exception {
        TrialRunner.Result r = new ProcessTrialRunner(List.of(dir.resolve("no-such-launcher").toString()))
                .run(request(Map.of()), (k, v, s) -> true);
        assertEquals(TrialStatus.CRASHED, r.status());
        assertTrue(r.message().startsWith("could not start"), r.message());
    }
}
