package dev.attnlab.pipeline;

import dev.attnlab.spec.CanonicalJson;
import dev.attnlab.spec.NotInKey;
import dev.attnlab.spec.SpecChoice;
import dev.attnlab.spec.SpecKey;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stage's params record as the canonical tree its cache key hashes and its cache entry records:
 * one entry per component, named by its {@link SpecKey} or its name in snake_case; nested records
 * become nested maps, choices their spec value, numbers widen to long and double (so a key does not
 * depend on int versus long). Components marked {@link NotInKey} are left out.
 */
public final class StageParams {

    /** For stages (and test stages) that read nothing from the spec. */
    public record None() { }

    private StageParams() { }

    public static Map<String, Object> tree(Record params) {
        Map<String, Object> out = new TreeMap<>();
        for (RecordComponent c : params.getClass().getRecordComponents()) {
            if (c.isAnnotationPresent(NotInKey.class)) {
                continue;
            }
            SpecKey key = c.getAnnotation(SpecKey.class);
            out.put(key != null ? key.value() : snakeCase(c.getName()), value(read(c, params)));
        }
        return out;
    }

    /** The sha256 of the tree's canonical JSON. */
    public static String hash(Record params) {
        return CanonicalJson.sha256(CanonicalJson.write(tree(params)));
    }

    /** The tree flattened to dotted spec keys, values as canonical JSON text: what reruns are explained with. */
    public static Map<String, String> flat(Record params) {
        return CanonicalJson.flatten(tree(params));
    }

    private static Object value(Object v) {
        if (v instanceof Record r) return tree(r);
        if (v instanceof SpecChoice c) return c.value();
        if (v instanceof Enum<?> e) return e.name().toLowerCase(java.util.Locale.ROOT);
        if (v instanceof Integer || v instanceof Long || v instanceof Short) return ((Number) v).longValue();
        if (v instanceof Float || v instanceof Double) return ((Number) v).doubleValue();
        if (v instanceof Path p) return p.toString();
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(value(x)));
            return out;
        }
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        throw new IllegalArgumentException("stage params hold a " + v.getClass().getName()
                + ": only records, choices, numbers, strings, booleans and lists of them have a canonical form");
    }

    private static Object read(RecordComponent c, Record r) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
        }
    }

    /** {@code inductionBlockLen -> induction_block_len}, {@code nCtx -> n_ctx}. */
    public static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) b.append('_').append(Character.toLowerCase(ch));
            else b.append(ch);
        }
        return b.toString();
    }
}
