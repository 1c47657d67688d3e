package dev.attnlab.sweep;

import dev.attnlab.pipeline.StageParams;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.spec.TrainSpec;

import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The experiment spec keys a sweep may vary, with their value types, read from the spec records
 * (so a key added to a record is sweepable without touching this class). {@code tracking.*} and
 * identity keys ({@code name}, {@code extends}, {@code pipeline}) are not sweepable; neither is
 * {@code train.threads}, which the sweep sets itself.
 */
final class SpecKeys {

    private static final Map<String, Class<?>> KEYS = build();

    private SpecKeys() {
    }

    /** Key path → Java type (int, long, double, boolean, String). */
    static Map<String, Class<?>> sweepable() {
        return KEYS;
    }

    private static Map<String, Class<?>> build() {
        Map<String, Class<?>> keys = new TreeMap<>();
        keys.put("seed", long.class);
        add(keys, "data", DataSpec.class);
        add(keys, "tokenizer", TokenizerSpec.class);
        add(keys, "model", ModelSpec.class);
        add(keys, "train", TrainSpec.class);
        add(keys, "evaluate", EvaluateSpec.class);
        add(keys, "interpret", InterpretSpec.class);
        keys.remove("train.threads");
        return Collections.unmodifiableMap(keys);
    }

    private static void add(Map<String, Class<?>> keys, String prefix, Class<?> record) {
        for (RecordComponent c : record.getRecordComponents()) {
            String path = prefix + "." + StageParams.snakeCase(c.getName());
            Class<?> type = c.getType();
            if (type.isRecord()) {
                add(keys, path, type);
            } else if (type.isPrimitive() || type == String.class) {
                keys.put(path, type);
            } else if (type.isEnum()) {
                keys.put(path, String.class); // a choice: swept as its spec values
            }
        }
    }

    static boolean isNumeric(Class<?> type) {
        return type == int.class || type == long.class || type == double.class;
    }

    static boolean isInteger(Class<?> type) {
        return type == int.class || type == long.class;
    }
}
