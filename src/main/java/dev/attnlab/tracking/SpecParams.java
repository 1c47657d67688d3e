package dev.attnlab.tracking;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Flattens the resolved spec tree into tracker params: {@code model.d_model -> "128"}. */
public final class SpecParams {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecParams() { }

    /** Nested maps become dotted keys; lists become their JSON text; null becomes "". Sorted. */
    public static Map<String, String> flatten(Map<String, ?> resolved) {
        Map<String, String> out = new TreeMap<>();
        flattenInto("", resolved, out);
        return out;
    }

    private static void flattenInto(String prefix, Map<String, ?> map, Map<String, String> out) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked") Map<String, ?> child = (Map<String, ?>) m;
                flattenInto(key, child, out);
            } else if (v instanceof List<?> list) {
                out.put(key, toJson(list));
            } else {
                out.put(key, v == null ? "" : v.toString());
            }
        }
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }
}
