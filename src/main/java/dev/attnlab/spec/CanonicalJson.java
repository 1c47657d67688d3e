package dev.attnlab.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.io.Hashing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON of spec trees (sorted keys, no whitespace) and its sha256: what cache keys and the
 * spec hash are computed from. Integers and numbers keep their schema types, so {@code lr: 1} and
 * {@code lr: 1.0} hash the same once resolved.
 */
public final class CanonicalJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private CanonicalJson() { }

    public static String write(Object tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + e.getMessage(), e);
        }
    }

    public static String sha256(String text) {
        return Hashing.sha256(text);
    }

    /** The hash of a resolved spec (every key, defaults filled in). */
    public static String specHash(ExperimentSpec spec) {
        return sha256(write(spec.resolved()));
    }

    /** The resolved spec flattened to dotted keys: {@code model.d_model -> 128}; lists as JSON. */
    public static Map<String, String> flatten(Map<String, Object> tree) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", tree, out);
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> tree, Map<String, String> out) {
        new java.util.TreeMap<>(tree).forEach((k, v) -> {
            String path = prefix.isEmpty() ? k.toString() : prefix + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(path, m, out);
            } else if (v instanceof List<?>) {
                out.put(path, write(v));
            } else {
                out.put(path, String.valueOf(v));
            }
        });
    }
}
