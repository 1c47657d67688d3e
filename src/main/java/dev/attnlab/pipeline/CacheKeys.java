package dev.attnlab.pipeline;

import dev.attnlab.spec.CanonicalJson;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecSchema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cache keys: sha256 of the canonical JSON of (stage name, stage version, each spec section the
 * stage reads, or single keys of them, each input stage's key). A stage's key therefore changes exactly when its own
 * sections, its implementation version, or anything upstream changes. Keys listed in
 * {@link SpecSchema#CACHE_NEUTRAL} (how, not what, is computed) are left out, and so are
 * {@link SpecSchema#NEUTRAL_AT_DEFAULT} keys at their default.
 */
public final class CacheKeys {

    private CacheKeys() { }

    /** Keys for {@code stages} (in dependency order); {@code versions} gives each stage's version. */
    public static Map<String, String> compute(ExperimentSpec spec, List<PipelineDefinition.StageNode> stages,
                                              Map<String, Integer> versions) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (PipelineDefinition.StageNode s : stages) {
            keys.put(s.name(), key(spec, s, versions.get(s.name()), keys));
        }
        return keys;
    }

    public static String key(ExperimentSpec spec, PipelineDefinition.StageNode stage, int version,
                             Map<String, String> inputKeys) {
        Map<String, Object> reads = new TreeMap<>();
        for (String read : stage.reads()) {
            reads.put(read, withoutNeutralKeys(read, resolvedValue(spec, read)));
        }
        Map<String, Object> inputs = new TreeMap<>();
        for (String in : stage.inputs()) {
            String k = inputKeys.get(in);
            if (k == null) {
                throw new IllegalStateException("key of input '" + in + "' is needed before stage '" + stage.name() + "'");
            }
            inputs.put(in, k);
        }
        Map<String, Object> material = new TreeMap<>();
        material.put("stage", stage.name());
        material.put("version", version);
        material.put("reads", reads);
        material.put("inputs", inputs);
        return CanonicalJson.sha256(CanonicalJson.write(material));
    }

    /** The resolved value of a section ("train") or of one key in it ("interpret.every"). */
    private static Object resolvedValue(ExperimentSpec spec, String read) {
        Object value = spec.resolved();
        for (String part : read.split("\\.")) {
            value = value instanceof Map<?, ?> map ? map.get(part) : null;
        }
        return value;
    }

    private static Object withoutNeutralKeys(String section, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            return value;
        }
        Map<String, Object> out = new TreeMap<>();
        map.forEach((k, v) -> {
            if (!SpecSchema.cacheNeutral(section + "." + k, v)) {
                out.put(k.toString(), withoutNeutralKeys(section + "." + k, v));
            }
        });
        return out;
    }
}
