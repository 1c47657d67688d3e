package dev.attnlab.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep process is killed with SIGKILL while trials run; resuming runs every unfinished trial
 * and no finished one again.
 */
class SweepResumeAfterKillTest {

    @TempDir
    Path dir;

    @Test
    void resumeAfterAKillRunsNoFinishedTrialTwice() throws Exception {
        Path sweepFile = SweepFixtures.sweepFile(dir, "killme", """
                method: random
                count: 8
                parallel: 2
                seed: 5
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-1, distribution: log_uniform_values}
                """);
        Path sweeps = dir.resolve("runs/sweeps");
        Path journal = dir.resolve("journal.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process agent = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SweepAgentMain.class.getName(), sweepFile.toString(), sweeps.toString(), journal.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        SweepStore store = new SweepStore(sweeps.resolve("killme"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // trials of the same length start and end in pairs: wait for a moment when one is running,
            // not one where both slots are between trials
            while (!threeFinishedOneRunning(store)) {
                assertTrue(agent.isAlive(), "the sweep process ended early: " + Files.readString(dir.resolve("agent.log")));
                assertTrue(System.nanoTime() < deadline, "no progress in 60 s");
                Thread.sleep(50);
            }
        } finally {
            agent.destroyForcibly(); // SIGKILL: no shutdown hook runs
            agent.waitFor(10, TimeUnit.SECONDS);
        }

        SweepState atKill = store.read().orElseThrow();
        List<String> finishedBefore = atKill.trials.stream().filter(t -> t.status == TrialStatus.FINISHED).map(t -> t.name).toList();
        List<String> runningAtKill = atKill.trials.stream().filter(t -> t.status == TrialStatus.RUNNING).map(t -> t.name).toList();
        assertTrue(finishedBefore.size() >= 3 && finishedBefore.size() < 8, "finished at kill: " + finishedBefore);
        assertFalse(runningAtKill.isEmpty(), "trials were running when the process died");
        Map<String, Object> paramsBefore = atKill.trials.stream().collect(Collectors.toMap(t -> t.name, t -> t.params));

        SweepSpec spec = SweepSpecLoader.load(sweepFile);
        ScriptedTrials resumed = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 5), 0, journal);
        SweepState end = new SweepExecutor(spec, store, resumed, SweepTracker.NONE, Map.of(), 2,
                dev.attnlab.pipeline.Progress.NONE, dev.attnlab.pipeline.RunLog.STDERR).run(true);

        assertEquals(8, end.trials.size());
        assertTrue(end.trials.stream().allMatch(t -> t.status == TrialStatus.FINISHED), "all finished after resume");
        for (String name : finishedBefore) {
            assertFalse(resumed.started.contains(name), name + " had finished and ran again");
        }
        assertTrue(resumed.started.containsAll(runningAtKill), "trials interrupted by the kill run again");
        // across both processes, the journal shows each trial started once, and an interrupted one once
        // more (or only once, when the kill came between its claim and its start)
        Map<String, Long> starts = Files.readAllLines(journal).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        for (SweepState.Trial t : end.trials) {
            boolean interrupted = runningAtKill.contains(t.name);
            long n = starts.get(t.name);
            assertTrue(interrupted ? n == 1 || n == 2 : n == 1, t.name + " starts: " + starts);
            assertEquals(interrupted ? 2 : 1, t.attempts, t.name + " claims");
            if (paramsBefore.containsKey(t.name)) {
                assertEquals(paramsBefore.get(t.name), t.params, "a rerun trial keeps its parameters");
            }
        }
    }

    private static boolean threeFinishedOneRunning(SweepStore store) {
        return store.read().map(s -> s.trials.stream().filter(t -> t.status == TrialStatus.FINISHED).count() >= 3
                && s.trials.stream().anyMatch(t -> t.status == TrialStatus.RUNNING)).orElse(false);
    }

    @Test
    void trialProcessesOrphanedByAKilledSweepAreEndedOnResume() throws Exception {
        Path sweepFile = SweepFixtures.sweepFile(dir, "orphans", """
                method: grid
                parallel: 2
                parameters:
                  train.lr: {values: [1.0e-3, 1.0e-2]}
                """);
        Path sweeps = dir.resolve("runs/sweeps");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process agent = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SweepAgentMain.class.getName(), sweepFile.toString(), sweeps.toString(), dir.resolve("journal.txt").toString(), "process")
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        SweepStore store = new SweepStore(sweeps.resolve("orphans"));
        List<Long> pids;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                pids = store.read().map(s -> s.trials.stream().filter(t -> t.pid != null).map(t -> t.pid).toList()).orElse(List.of());
                if (pids.size() == 2) {
                    break;
                }
                assertTrue(agent.isAlive(), "the sweep process ended early: " + Files.readString(dir.resolve("agent.log")));
                assertTrue(System.nanoTime() < deadline, "trials did not start in 60 s");
                Thread.sleep(50);
            }
        } finally {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "trial process " + pid + " outlived its sweep");
        }
        SweepSpec spec = SweepSpecLoader.load(sweepFile);
        ScriptedTrials resumed = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 2), 0, null);
        SweepState end = new SweepExecutor(spec, store, resumed, SweepTracker.NONE, Map.of("train.steps", 1000), 2,
                dev.attnlab.pipeline.Progress.NONE, dev.attnlab.pipeline.RunLog.STDERR).run(true);
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "orphan " + pid + " was ended");
        }
        assertTrue(end.trials.stream().allMatch(t -> t.status == TrialStatus.FINISHED && t.attempts == 2));
    }
}
