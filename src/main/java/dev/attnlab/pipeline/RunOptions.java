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
 * watching the metric for early stopping), and the {@code --set} overrides (recorded in the run).
 */
public record RunOptions(Set<String> force, String until, Progress progress, PrintStream console,
                         Map<String, String> extraTags, List<Tracker> observers, List<String> overrides) {

    public static RunOptions defaults() {
        return new RunOptions(Set.of(), null, Progress.NONE, null, Map.of(), List.of(), List.of());
    }

    public RunOptions withForce(Set<String> stages) {
        return new RunOptions(stages, until, progress, console, extraTags, observers, overrides);
    }

    public RunOptions withUntil(String stage) {
        return new RunOptions(force, stage, progress, console, extraTags, observers, overrides);
    }

    public RunOptions withConsole(PrintStream out, Progress p) {
        return new RunOptions(force, until, p, out, extraTags, observers, overrides);
    }

    public RunOptions withExtraTags(Map<String, String> tags) {
        return new RunOptions(force, until, progress, console, tags, observers, overrides);
    }

    public RunOptions withObservers(List<Tracker> trackers) {
        return new RunOptions(force, until, progress, console, extraTags, trackers, overrides);
    }

    public RunOptions withOverrides(List<String> sets) {
        return new RunOptions(force, until, progress, console, extraTags, observers, sets);
    }
}
