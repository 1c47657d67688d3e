package dev.attnlab.sweep;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepExecutorTest {

    @TempDir
    Path dir;

    @Test
    void parallelGridSweepRunsEveryPointExactlyOnceWithinTheThreadBudget() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "grid", """
                method: grid
                parallel: 3
                parameters:
                  train.lr: {values: [1.0e-4, 1.0e-3, 1.0e-2]}
                  model.n_heads: {values: [2, 4]}
                """);
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 3), 20, null);
        SweepFixtures.RecordingTracker tracker = new SweepFixtures.RecordingTracker();
        SweepState state = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), trials, tracker, 4).run(false);

        assertEquals(6, trials.started.size());
        assertEquals(6, new HashSet<>(trials.started).size(), "no trial ran twice: " + trials.started);
        assertTrue(trials.maxRunning.get() <= 3, "at most 'parallel' trials at once");
        assertTrue(state.trials.stream().allMatch(t -> t.status == TrialStatus.FINISHED));
        // 4 cores shared by 3 parallel trials: 1 thread each, passed as train.threads
        for (TrialRunner.Request r : trials.requests) {
            assertEquals(1, r.threads());
            assertEquals(1, r.overrides().get("train.threads"));
            assertEquals("base", r.overrides().get("tracking.experiment"));
            assertEquals("grid-" + r.trialName(), r.overrides().get("tracking.run_name"));
            assertEquals("parent-1", r.tags().get("mlflow.parentRunId"));
            assertEquals(r.trialName(), r.tags().get("attnlab.trial"));
        }
        // the grid's points, each once
        assertEquals(6, state.trials.stream().map(t -> t.params).distinct().count());
        assertEquals(Boolean.TRUE, tracker.closedComplete);
        assertTrue(tracker.eventList().contains("tag attnlab.best_trial=" + SweepReport.best(spec, state).orElseThrow().name));
        assertTrue(tracker.artifacts.containsAll(List.of("trials.csv", "trials.md", "best.yaml")));
    }

    @Test
    void threadsPerTrialShareTheCores() {
        assertEquals(2, SweepExecutor.threadsPerTrial(2, 1));
        assertEquals(1, SweepExecutor.threadsPerTrial(2, 2));
        assertEquals(1, SweepExecutor.threadsPerTrial(2, 4));
        assertEquals(4, SweepExecutor.threadsPerTrial(16, 4));
    }

    @Test
    void crashedTrialsRunAgainOnResumeAndFinishedOnesDoNot() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "rnd", """
                method: random
                count: 5
                seed: 3
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-1, distribution: log_uniform_values}
                """);
        ScriptedTrials first = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 2), 0, null);
        first.crashOnce.add("trial-0002");
        SweepFixtures.RecordingTracker tracker = new SweepFixtures.RecordingTracker();
        SweepState s1 = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), first, tracker, 2).run(false);
        assertEquals(TrialStatus.CRASHED, s1.trials.get(2).status);
        assertEquals("scripted crash", s1.trials.get(2).message);
        assertEquals(Boolean.FALSE, tracker.closedComplete, "a sweep with a crashed trial is not complete");

        ScriptedTrials second = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 2), 0, null);
        SweepFixtures.RecordingTracker tracker2 = new SweepFixtures.RecordingTracker();
        SweepState s2 = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), second, tracker2, 2).run(true);
        assertEquals(List.of("trial-0002"), List.copyOf(second.started));
        assertEquals(TrialStatus.FINISHED, s2.trials.get(2).status);
        assertEquals(2, s2.trials.get(2).attempts);
        assertEquals(s1.trials.get(2).params, s2.trials.get(2).params, "a rerun keeps its parameters");
        assertEquals("found parent-1", tracker2.eventList().get(0), "the resumed sweep finds its parent run");
        assertEquals(Boolean.TRUE, tracker2.closedComplete);

        // a third run has nothing left to do
        ScriptedTrials third = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 2), 0, null);
        SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), third, new SweepFixtures.RecordingTracker(), 2).run(false);
        assertTrue(third.started.isEmpty());
    }

    @Test
    void divergedTrialsAreKeptOnResumeAndDoNotFailTheSweep() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "div", """
                method: random
                count: 4
                seed: 5
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-1, distribution: log_uniform_values}
                """);
        ScriptedTrials first = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 3), 0, null);
        first.diverge.add("trial-0001");
        SweepFixtures.RecordingTracker tracker = new SweepFixtures.RecordingTracker();
        SweepExecutor executor = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), first, tracker, 2);
        SweepState s1 = executor.run(false);
        assertEquals(TrialStatus.DIVERGED, s1.trials.get(1).status);
        assertTrue(executor.observations(s1).contains(new Sampler.Observation(s1.trials.get(1).params, Double.POSITIVE_INFINITY, false)),
                "the samplers learn from it as the worst result");
        assertEquals("scripted divergence", s1.trials.get(1).message);
        assertEquals(Boolean.TRUE, tracker.closedComplete, "a diverged trial is a result, not a failure of the sweep");
        List<String> md = Files.readAllLines(dir.resolve("runs/sweeps/div/trials.md"));
        assertTrue(md.get(md.size() - 1).startsWith("| 4 | trial-0001 | diverged |"), "in the trial table: " + md);

        ScriptedTrials second = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 3), 0, null);
        SweepState s2 = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), second, new SweepFixtures.RecordingTracker(), 2).run(true);
        assertTrue(second.started.isEmpty(), "a resume does not rerun a diverged trial: " + second.started);
        assertEquals(TrialStatus.DIVERGED, s2.trials.get(1).status);
    }

    @Test
    void aSweepWhereNoTrialFinishedSaysSoAndWritesNoBestSpec() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "alldiv", """
                method: random
                count: 3
                parameters:
                  train.lr: {min: 1.0, max: 10.0, distribution: log_uniform_values}
                """);
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 3), 0, null);
        trials.diverge.addAll(List.of("trial-0000", "trial-0001", "trial-0002"));
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunLog log = new RunLog() {
            @Override public void info(String message) { }
            @Override public void warn(String message) { warnings.add(message); }
        };
        new SweepExecutor(spec, new SweepStore(dir.resolve("runs/sweeps/alldiv")), trials, new SweepFixtures.RecordingTracker(),
                Map.of(), 2, Progress.NONE, log).run(false);
        assertFalse(Files.exists(dir.resolve("runs/sweeps/alldiv/best.yaml")));
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("no trial trained to the end (all were stopped early or diverged)")),
                warnings.toString());
    }

    @Test
    void theReportRanksFinishedThenKilledThenDivergedThenTheRest() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "rank", """
                method: random
                count: 6
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-1, distribution: log_uniform_values}
                """);
        SweepState state = new SweepState();
        Object[][] trials = {{TrialStatus.CRASHED, null}, {TrialStatus.DIVERGED, 1.0}, {TrialStatus.KILLED, 3.0},
                {TrialStatus.FINISHED, 5.0}, {TrialStatus.KILLED, 2.0}, {TrialStatus.FINISHED, 4.0}};
        for (int i = 0; i < trials.length; i++) {
            SweepState.Trial t = new SweepState.Trial(i, Map.of("train.lr", 1e-3));
            t.status = (TrialStatus) trials[i][0];
            t.metric = (Double) trials[i][1];
            state.trials.add(t);
        }
        // a diverged trial's last finite metric (1.0, before it diverged) does not lift it above killed ones
        assertEquals(List.of("trial-0005", "trial-0003", "trial-0004", "trial-0002", "trial-0001", "trial-0000"),
                SweepReport.ranked(spec, state).stream().map(t -> t.name).toList());
        assertEquals("trial-0005", SweepReport.best(spec, state).orElseThrow().name);
    }

    @Test
    void countFromTheCommandLineExtendsAFinishedSweep() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "more", """
                method: bayes
                count: 3
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-1, distribution: log_uniform_values}
                """);
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 1), 0, null);
        SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), trials, SweepTracker.NONE, 2).run(false);
        SweepState s = SweepFixtures.executor(spec.withOverrides(5, 0), dir.resolve("runs/sweeps"), trials, SweepTracker.NONE, 2).run(false);
        assertEquals(5, s.trials.size());
        assertEquals(List.of("trial-0000", "trial-0001", "trial-0002", "trial-0003", "trial-0004"), List.copyOf(trials.started));
    }

    @Test
    void hyperbandKillsPoorTrialsWithAReason() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "hb", """
                method: random
                count: 12
                seed: 11
                early_terminate: {type: hyperband, min_iter: 1, eta: 2}
                parameters:
                  train.lr: {min: 1.0e-6, max: 1.0, distribution: log_uniform_values}
                """);
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 8), 0, null);
        SweepFixtures.RecordingTracker tracker = new SweepFixtures.RecordingTracker();
        SweepState state = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), trials, tracker, 2).run(false);

        List<SweepState.Trial> killed = state.trials.stream().filter(t -> t.status == TrialStatus.KILLED).toList();
        assertFalse(killed.isEmpty(), "some of 12 random learning rates over 6 decades must be stopped");
        for (SweepState.Trial t : killed) {
            assertTrue(t.message.startsWith("hyperband: val/loss = "), t.message);
            assertTrue(List.of(1, 2, 4).contains(t.iterations), "stopped at a rung: " + t.iterations);
            assertTrue(tracker.eventList().contains(t.name + " killed"));
        }
        SweepState.Trial best = SweepReport.best(spec, state).orElseThrow();
        assertEquals(TrialStatus.FINISHED, best.status);
        assertEquals(8, best.iterations);
        // sequentially, each trial is stopped only if worse than the cutoff of those before it: the
        // best-so-far trial is never stopped
        double bestSoFar = Double.MAX_VALUE;
        for (SweepState.Trial t : state.trials) {
            double first = ScriptedTrials.lrCurve(t.params, 1)[0];
            if (first < bestSoFar) {
                assertFalse(t.status == TrialStatus.KILLED && t.iterations == 1, t.name + " was the best so far at rung 0");
                bestSoFar = first;
            }
        }
    }

    @Test
    void reportRanksTrialsAndWritesTheBestAsARunnableSpec() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "rep", """
                method: grid
                parameters:
                  train.lr: {values: [1.0e-2, 1.0e-3, 1.0e-4]}
                  model.d_model: {values: [64]}
                """);
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 2), 0, null);
        Path sweeps = dir.resolve("runs/sweeps");
        SweepFixtures.executor(spec, sweeps, trials, SweepTracker.NONE, 2).run(false);

        List<String> csv = Files.readAllLines(sweeps.resolve("rep/trials.csv"));
        assertEquals("rank,trial,status,val/loss,iterations,train.lr,model.d_model,message", csv.get(0));
        assertTrue(csv.get(1).startsWith("1,trial-0001,finished,2.0,2,0.001,64,"), csv.get(1));
        assertEquals(4, csv.size());
        String md = Files.readString(sweeps.resolve("rep/trials.md"));
        assertTrue(md.contains("| 1 | trial-0001 | finished | 2.0000 | 2 | 0.001000 | 64 |"), md);

        Path best = sweeps.resolve("rep/best.yaml");
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(best));
        assertEquals("rep-best", doc.get("name"));
        assertEquals(spec.experiment(), best.getParent().resolve((String) doc.get("extends")).normalize());
        assertEquals(Map.of("lr", 0.001), doc.get("train"));
        assertEquals(Map.of("d_model", 64), doc.get("model"));
    }

    @Test
    void aChangedSearchSpaceIsRefusedWithTheFix() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "chg", "method: grid\nparameters:\n  train.lr: {values: [0.1, 0.01]}\n");
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 1), 0, null);
        SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), trials, SweepTracker.NONE, 2).run(false);
        SweepSpec changed = SweepFixtures.load(dir, "chg", "method: grid\nparameters:\n  train.lr: {values: [0.1, 0.001]}\n");
        SweepSpecException e = assertThrows(SweepSpecException.class,
                () -> SweepFixtures.executor(changed, dir.resolve("runs/sweeps"), trials, SweepTracker.NONE, 2).run(false));
        assertTrue(e.getMessage().contains("search space") && e.getMessage().contains("new 'name:'"), e.getMessage());

        SweepSpec fresh = SweepFixtures.load(dir, "never", "method: grid\nparameters:\n  train.lr: {values: [0.1]}\n");
        SweepSpecException e2 = assertThrows(SweepSpecException.class,
                () -> SweepFixtures.executor(fresh, dir.resolve("runs/sweeps"), trials, SweepTracker.NONE, 2).run(true));
        assertTrue(e2.getMessage().contains("--resume") && e2.getMessage().contains("has no state"), e2.getMessage());
    }

    @Test
    void aTrialThatNeverLogsTheMetricIsCrashedWithAHint() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "nometric", "method: grid\nparameters:\n  train.lr: {values: [0.1]}\n");
        TrialRunner silent = (request, listener) -> {
            listener.metric("val/los", 1.0, 1);
            return TrialRunner.Result.finished();
        };
        SweepState s = SweepFixtures.executor(spec, dir.resolve("runs/sweeps"), silent, SweepTracker.NONE, 2).run(false);
        assertEquals(TrialStatus.CRASHED, s.trials.get(0).status);
        assertNotNull(s.trials.get(0).message);
        assertTrue(s.trials.get(0).message.contains("'val/loss'"), s.trials.get(0).message);
    }
}
