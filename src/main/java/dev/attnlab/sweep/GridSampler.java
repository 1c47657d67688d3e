package dev.attnlab.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exhaustive grid search: trial {@code i} is the i-th point of the cartesian product of all
 * parameters' values, in spec order with the last parameter varying fastest (like
 * {@code itertools.product}). Ranges must be finite: int_uniform (every integer) or q_uniform
 * (min, min+q, ... ≤ max).
 */
public final class GridSampler implements Sampler {

    private final List<Parameter> parameters;
    private final List<List<Object>> axes;

    public GridSampler(List<Parameter> parameters) {
        this.parameters = List.copyOf(parameters);
        this.axes = parameters.stream().map(GridSampler::axis).toList();
    }

    /** Number of grid points (saturating at Long.MAX_VALUE). */
    public static long size(List<Parameter> parameters) {
        long n = 1;
        for (Parameter p : parameters) {
            long k = axisLength(p);
            n = k != 0 && n > Long.MAX_VALUE / k ? Long.MAX_VALUE : n * k;
        }
        return n;
    }

    @Override
    public Map<String, Object> sample(int index, List<Observation> history) {
        long size = size(parameters);
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("grid point " + index + " outside the grid of " + size);
        }
        Object[] chosen = new Object[axes.size()];
        long rest = index;
        for (int d = axes.size() - 1; d >= 0; d--) {
            List<Object> axis = axes.get(d);
            chosen[d] = axis.get((int) (rest % axis.size()));
            rest /= axis.size();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int d = 0; d < chosen.length; d++) {
            out.put(parameters.get(d).path(), chosen[d]);
        }
        return out;
    }

    private static long axisLength(Parameter p) {
        if (p instanceof Parameter.Choice c) {
            return c.values().size();
        }
        Parameter.Range r = (Parameter.Range) p;
        double step = r.distribution() == Parameter.Distribution.INT_UNIFORM ? 1.0 : r.q();
        return (long) Math.floor((r.max() - r.min()) / step + 1e-9) + 1;
    }

    private static List<Object> axis(Parameter p) {
        if (p instanceof Parameter.Choice c) {
            return c.values();
        }
        Parameter.Range r = (Parameter.Range) p;
        long n = axisLength(p);
        if (n > SweepSpecLoader.MAX_GRID) {
            return List.of(); // rejected by the loader before any sampling
        }
        double step = r.distribution() == Parameter.Distribution.INT_UNIFORM ? 1.0 : r.q();
        List<Object> values = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            values.add(r.normalise(r.min() + i * step));
        }
        return values;
    }
}
