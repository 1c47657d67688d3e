package dev.attnlab.sweep;

import dev.attnlab.spec.Suggest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sweep command's {@code --set KEY=VALUE} options: experiment keys fixed for every trial. */
public final class SweepOverrides {

    private SweepOverrides() {
    }

    /** Parses and checks the keys (values are checked by each trial's spec loader). */
    public static Map<String, Object> parse(List<String> sets, SweepSpec spec) throws SweepSpecException {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String set : sets) {
            int eq = set.indexOf('=');
            String key = eq < 0 ? set : set.substring(0, eq).strip();
            if (eq < 1) {
                problems.add("--set " + set + ": expected KEY=VALUE, e.g. --set train.steps=50");
            } else if (!SpecKeys.sweepable().containsKey(key) && !key.startsWith("tracking.")) {
                problems.add("--set " + set + ": '" + key + "' is not an experiment spec key path"
                        + Suggest.hint(key, SpecKeys.sweepable().keySet()));
            } else if (spec.parameters().stream().anyMatch(p -> p.path().equals(key))) {
                problems.add("--set " + set + ": '" + key + "' is one of the sweep's parameters; it cannot also be fixed");
            } else {
                out.put(key, set.substring(eq + 1).strip());
            }
        }
        if (!problems.isEmpty()) {
            throw new SweepSpecException(problems);
        }
        return out;
    }
}
