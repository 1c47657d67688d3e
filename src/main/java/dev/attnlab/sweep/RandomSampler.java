package dev.attnlab.sweep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random search. Trial {@code i}'s parameters depend only on the seed and {@code i}, so they are
 * the same however many workers run and in whatever order trials finish.
 */
public final class RandomSampler implements Sampler {

    private final List<Parameter> parameters;
    private final long seed;

    public RandomSampler(List<Parameter> parameters, long seed) {
        this.parameters = List.copyOf(parameters);
        this.seed = seed;
    }

    @Override
    public Map<String, Object> sample(int index, List<Observation> history) {
        SplittableRandom rng = rngFor(seed, index);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            out.put(p.path(), draw(p, rng));
        }
        return out;
    }

    /** One independent stream per (seed, trial index). */
    static SplittableRandom rngFor(long seed, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL);
    }

    /** A draw from a parameter's prior: uniform over its values or its range (log space for log ranges). */
    static Object draw(Parameter p, SplittableRandom rng) {
        if (p instanceof Parameter.Choice c) {
            return c.values().get(rng.nextInt(c.values().size()));
        }
        Parameter.Range r = (Parameter.Range) p;
        return switch (r.distribution()) {
            case INT_UNIFORM -> (long) r.min() + rng.nextLong((long) r.max() - (long) r.min() + 1);
            case Q_UNIFORM -> {
                long steps = (long) Math.floor((r.max() - r.min()) / r.q() + 1e-9);
                yield r.normalise(r.min() + rng.nextLong(steps + 1) * r.q());
            }
            case UNIFORM -> r.normalise(r.min() + rng.nextDouble() * (r.max() - r.min()));
            case LOG_UNIFORM_VALUES -> {
                double[] b = TpeSampler.internalBounds(r);
                yield r.normalise(Math.exp(b[0] + rng.nextDouble() * (b[1] - b[0])));
            }
        };
    }
}
