package dev.attnlab.sweep;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, before any trial runs, that the base experiment with the sweep's fixed overrides is a
 * valid spec, and that every value a parameter can take is valid for its key (each value alone on
 * top of the base; combinations are checked by each trial). A typo then costs one error message
 * instead of a sweep of crashed trials.
 */
public final class TrialSpecs {

    /** Values checked per parameter: every listed value, the ends of a range. */
    private static final int MAX_CHECKED_VALUES = 100;

    private TrialSpecs() {
    }

    /** {@code key=value} arguments for the runner's {@code --set}. */
    public static List<String> sets(Map<String, Object> overrides) {
        List<String> out = new ArrayList<>();
        overrides.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /**
     * @return the base experiment as the trials will see it (with the fixed overrides)
     * @throws SweepSpecException naming each invalid value and why
     */
    public static ExperimentSpec check(SweepSpec spec, Map<String, Object> fixed) throws SweepSpecException {
        ExperimentSpec base;
        try {
            base = SpecLoader.load(spec.experiment(), sets(fixed));
        } catch (SpecException e) {
            List<String> problems = new ArrayList<>();
            e.problems().forEach(p -> problems.add(spec.file() + ": experiment: the base experiment is not valid: " + p));
            throw new SweepSpecException(problems);
        }
        List<String> problems = new ArrayList<>();
        for (Parameter p : spec.parameters()) {
            for (Object value : candidates(p)) {
                Map<String, Object> one = new LinkedHashMap<>(fixed);
                one.put(p.path(), value);
                try {
                    SpecLoader.load(spec.experiment(), sets(one));
                } catch (SpecException e) {
                    e.problems().forEach(problem -> problems.add(spec.file() + ": parameters." + p.path()
                            + ": the value " + value + " makes the base experiment invalid: " + problem));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new SweepSpecException(problems);
        }
        return base;
    }

    private static List<Object> candidates(Parameter p) {
        if (p instanceof Parameter.Choice c) {
            return c.values().subList(0, Math.min(c.values().size(), MAX_CHECKED_VALUES));
        }
        Parameter.Range r = (Parameter.Range) p;
        return List.of(r.normalise(r.min()), r.normalise(r.max()));
    }
}
