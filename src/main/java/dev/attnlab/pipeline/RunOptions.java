package dev.attnlab.pipeline;

import dev.attnlab.tracking.Tracker;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to run: stages to recompute ({@code force}, with their dependents), an optional last stage
 * ({@code until}), progress reporting, where console lines go (null = nowhere), extra run tags
 * (e.g. a sweep's {@code mlflow.parentRunId}), extra trackers that observe every call (e.g. a sweep
 * watching the metric for early stopping), the {@code --set} overrides (recorded in the run), and
 * whether Ctrl-C/SIGTERM first asks the running stage to stop cleanly ({@link StopSignal}; train
 * then checkpoints the step in progress).
 */
public record RunOptions(Set<String> force, String until, Progress progress, PrintStream console,
                         Map<String, String> extraTags, List<Tracker> observers, List<String> overrides,
                         boolean stopStagesOnSignal) {

    public static RunOptions defaults() {
        return new RunOptions(Set.of(), null, Progress.NONE, null, Map.of(), List.of(), List.of(), true);
    }

    public RunOptions withForce(Set<String> stages) {
        return new RunOptions(stages, until, progress, console, extraTags, observers, overrides, stopStagesOnSignal);
    }

    public RunOptions withUntil(String stage) {
        return new RunOptions(force, stage, progress, console, extraTags, observers, overrides, stopStagesOnSignal);
    }

    public RunOptions withConsole(PrintStream out, Progress p) {
        return new RunOptions(force, until, p, out, extraTags, observers, overrides, stopStagesOnSignal);
    }

    public RunOptions withExtraTags(Map<String, String> tags) {
        return new RunOptions(force, until, progress, console, tags, observers, overrides, stopStagesOnSignal);
    }

    public RunOptions withObservers(List<Tracker> trackers) {
        return new RunOptions(force, until, progress, console, extraTags, trackers, overrides, stopStagesOnSignal);
    }

    public RunOptions withOverrides(List<String> sets) {
        return new RunOptions(force, until, progress, console, extraTags, observers, sets, stopStagesOnSignal);
    }

    public RunOptions withStopStagesOnSignal(boolean stop) {
        return new RunOptions(force, until, progress, console, extraTags, observers, overrides, stop);
    }
}
