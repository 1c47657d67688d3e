package dev.attnlab.sweep;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;

import java.nio.file.Path;
import java.util.Map;

/**
 * A sweep process for tests that kill it: args = sweep file, sweeps folder, journal, and optionally
 * "process" to run each trial as a long {@link FakeTrialMain} process instead of in-process scripted trials.
 */
public final class SweepAgentMain {

    private SweepAgentMain() {
    }

    public static void main(String[] args) throws Exception {
        SweepSpec spec = SweepSpecLoader.load(Path.of(args[0]));
        boolean processes = args.length > 3 && args[3].equals("process");
        TrialRunner trials = processes
                ? new ProcessTrialRunner(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m", "-Dfake.out=" + Path.of(args[2]).resolveSibling("seen.json"), "-cp",
                        System.getProperty("java.class.path"), FakeTrialMain.class.getName()))
                : new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 5), 150, Path.of(args[2]));
        Map<String, Object> fixed = processes ? Map.of("train.steps", 1000) : Map.of();
        new SweepExecutor(spec, new SweepStore(Path.of(args[1]).resolve(spec.name())), trials, SweepTracker.NONE,
                fixed, 2, Progress.NONE, RunLog.STDERR).run(false);
    }
}
