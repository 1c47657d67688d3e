package dev.attnlab.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.attnlab.spec.CanonicalJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a stage's cache key hashes: the stage's name and version, its params ({@link StageParams#tree})
 * and the keys of the entries it takes as inputs. The key is the sha256 of its canonical JSON, so it
 * changes exactly when the stage's params, its implementation version or anything upstream changes.
 * Each cache entry keeps its material ({@code key.json}), as DVC's lock file keeps params: a later
 * run compares against it to say why a stage reran ({@link #changesFrom}).
 */
public record StageKey(@JsonProperty("stage") String stage, @JsonProperty("version") int version,
                       @JsonProperty("params") Map<String, Object> params,
                       @JsonProperty("inputs") Map<String, String> inputs) {

    public StageKey {
        params = new TreeMap<>(params);
        inputs = new TreeMap<>(inputs);
    }

    public static StageKey of(String stage, int version, Record params, Map<String, String> inputKeys) {
        return new StageKey(stage, version, StageParams.tree(params), inputKeys);
    }

    public String key() {
        return CanonicalJson.sha256(CanonicalJson.write(this));
    }

    /**
     * What differs from an earlier key of the same stage, one phrase each: {@code
     * evaluate.induction_batches 4 -> 1}, {@code version 1 -> 2}, {@code input train changed}.
     */
    public List<String> changesFrom(StageKey earlier) {
        List<String> out = new ArrayList<>();
        if (earlier.version != version) out.add("version " + earlier.version + " -> " + version);
        Map<String, String> was = CanonicalJson.flatten(earlier.params), now = CanonicalJson.flatten(params);
        TreeSet<String> names = new TreeSet<>(was.keySet());
        names.addAll(now.keySet());
        for (String n : names) {
            if (!Objects.equals(was.get(n), now.get(n))) {
                out.add(n + " " + shown(was.get(n)) + " -> " + shown(now.get(n)));
            }
        }
        TreeSet<String> ins = new TreeSet<>(earlier.inputs.keySet());
        ins.addAll(inputs.keySet());
        for (String in : ins) {
            String a = earlier.inputs.get(in), b = inputs.get(in);
            if (a == null) out.add("input " + in + " added");
            else if (b == null) out.add("input " + in + " removed");
            else if (!a.equals(b)) out.add("input " + in + " changed");
        }
        return out;
    }

    private static String shown(String v) {
        if (v == null) return "(none)";
        return v.length() > 40 ? v.substring(0, 37) + "..." : v;
    }
}
