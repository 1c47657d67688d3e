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
            while (finished(store) < 3) {
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
        SweepState end = SweepFixtures.executor(spec, sweeps, resumed, SweepTracker.NONE, 2).run(true);

        assertEquals(8, end.trials.size());
        assertTrue(end.trials.stream().allMatch(t -> t.status == TrialStatus.FINISHED), "all finished after resume");
        for (String name : finishedBefore) {
            assertFalse(resumed.started.contains(name), name + " had finished and ran again");
        }
        assertTrue(resumed.started.containsAll(runningAtKill), "trials interrupted by the kill run again");
        // across both processes, the journal shows each trial started once, plus once more for each interrupted one
        Map<String, Long> starts = Files.readAllLines(journal).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        for (SweepState.Trial t : end.trials) {
            long expected = runningAtKill.contains(t.name) ? 2 : 1;
            assertEquals(expected, starts.get(t.name), t.name + " starts: " + starts);
            assertEquals(expected, t.attempts);
            if (paramsBefore.containsKey(t.name)) {
                assertEquals(paramsBefore.get(t.name), t.params, "a rerun trial keeps its parameters");
            }
        }
    }

    private static long finished(SweepStore store) {
        return store.read().map(s -> s.trials.stream().filter(t -> t.status == TrialStatus.FINISHED).count()).orElse(0L);
    }
}
