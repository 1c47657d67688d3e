package dev.attnlab.sweep;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;

import java.nio.file.Path;
import java.util.Map;

/** A sweep process with scripted trials, for tests that kill it: args = sweep file, sweeps folder, journal. */
public final class SweepAgentMain {

    private SweepAgentMain() {
    }

    public static void main(String[] args) throws Exception {
        SweepSpec spec = SweepSpecLoader.load(Path.of(args[0]));
        ScriptedTrials trials = new ScriptedTrials(p -> ScriptedTrials.lrCurve(p, 5), 150, Path.of(args[2]));
        new SweepExecutor(spec, new SweepStore(Path.of(args[1]).resolve(spec.name())), trials, SweepTracker.NONE,
                Map.of(), 2, Progress.NONE, RunLog.STDERR).run(false);
    }
}
