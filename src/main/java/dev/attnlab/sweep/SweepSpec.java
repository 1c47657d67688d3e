package dev.attnlab.sweep;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A loaded and validated sweep spec ({@code experiments/sweeps/*.yaml}). Immutable.
 *
 * @param name           the sweep's name: its directory under {@code runs/sweeps/} (default: file stem)
 * @param file           the sweep spec file
 * @param experiment     the base experiment spec, resolved against the sweep file's folder
 * @param method         how trials are chosen
 * @param metric         the metric trials are ranked by (as the trial logs it, e.g. {@code val/loss})
 * @param parameters     the search space, in file order
 * @param count          total number of trials (grid: at most the grid size)
 * @param seed           seeds every sampler; the same seed gives the same trials
 * @param earlyTerminate hyperband early termination, if any
 * @param parallel       trials run at the same time
 */
public record SweepSpec(
        String name,
        Path file,
        Path experiment,
        Method method,
        Metric metric,
        List<Parameter> parameters,
        int count,
        long seed,
        Optional<Hyperband> earlyTerminate,
        int parallel) {

    public SweepSpec {
        parameters = List.copyOf(parameters);
    }

    public enum Method { GRID, RANDOM, BAYES }

    public enum Goal {
        MINIMIZE, MAXIMIZE;

        /** True when {@code a} is strictly better than {@code b} under this goal. */
        public boolean better(double a, double b) {
            return this == MINIMIZE ? a < b : a > b;
        }

        /** The value as a loss (smaller is better), which samplers and the pruner work with. */
        public double asLoss(double value) {
            return this == MINIMIZE ? value : -value;
        }
    }

    public record Metric(String name, Goal goal) { }

    /**
     * Hyperband-style early termination (asynchronous successive halving): rungs at
     * {@code minIter * eta^k} metric reports.
     */
    public record Hyperband(int minIter, int eta) { }

    /** This spec under another name (its own folder, state and parent run). */
    public SweepSpec withName(String newName) {
        return new SweepSpec(newName, file, experiment, method, metric, parameters, count, seed, earlyTerminate, parallel);
    }

    /** This spec with the command line's {@code --count} / {@code --parallel} applied (0 = keep). */
    public SweepSpec withOverrides(int newCount, int newParallel) {
        return new SweepSpec(name, file, experiment, method, metric, parameters,
                newCount > 0 ? newCount : count, seed, earlyTerminate,
                newParallel > 0 ? newParallel : parallel);
    }
}
