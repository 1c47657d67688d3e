package dev.attnlab.sweep;

import java.util.List;
import java.util.Map;

/** Chooses the parameters of the next trial. */
public interface Sampler {

    /**
     * @param index   the trial's index in the sweep (0-based); seeds the trial's randomness so a
     *                given seed, index and history always give the same parameters
     * @param history the trials that ended so far with a metric (finished or killed) or diverged
     * @return spec key path → value, in the spec's parameter order
     */
    Map<String, Object> sample(int index, List<Observation> history);

    /**
     * A trial's parameters and its metric as a loss (smaller is better; the goal already applied).
     * {@code killed} trials were stopped early; their loss comes from an earlier point of training.
     * A trial whose training diverged has loss {@code +Infinity}.
     */
    record Observation(Map<String, Object> params, double loss, boolean killed) { }

    static Sampler of(SweepSpec spec) {
        return switch (spec.method()) {
            case GRID -> new GridSampler(spec.parameters());
            case RANDOM -> new RandomSampler(spec.parameters(), spec.seed());
            case BAYES -> new TpeSampler(spec.parameters(), spec.seed());
        };
    }
}
