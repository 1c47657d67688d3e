package dev.attnlab.tracking.mlflow;

import dev.attnlab.io.Hashing;


/**
 * The server's per-request limits, and how values are made to fit them. A request over a limit is
 * refused whole by MLflow, so everything is trimmed before it is journaled.
 */
final class MlflowLimits {
    static final int MAX_METRICS_PER_BATCH = 1000;
    static final int MAX_PARAMS_PER_BATCH = 100;
    static final int MAX_TAGS_PER_BATCH = 100;
    /** log-batch also caps metrics + params + tags together. */
    static final int MAX_ENTITIES_PER_BATCH = 1000;
    static final int MAX_KEY_LENGTH = 250;
    static final int MAX_PARAM_VALUE_LENGTH = 6000;
    /** MLflow 3 allows 8000; 5000 also fits older servers. */
    static final int MAX_TAG_VALUE_LENGTH = 5000;

    private MlflowLimits() { }

    /**
     * A key MLflow accepts: characters outside letters, digits, {@code _ - . / : space} become
     * '_', empty path segments are dropped, and a key over 250 characters keeps its start plus a
     * hash of the whole so that distinct long keys stay distinct.
     */
    static String key(String key) {
        String known = KEYS.get(key);
        if (known != null) {
            return known;
        }
        String made = makeKey(key);
        if (KEYS.size() < 100_000) { // metric names repeat every step: remember them, within reason
            KEYS.put(key, made);
        }
        return made;
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, String> KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String makeKey(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == ' ';
            sb.append(ok ? c : '_');
        }
        String clean = String.join("/", java.util.Arrays.stream(sb.toString().split("/"))
                .filter(s -> !s.isEmpty() && !s.equals(".") && !s.equals("..")).toList());
        if (clean.isEmpty()) {
            clean = "_";
        }
        if (clean.length() <= MAX_KEY_LENGTH) {
            return clean;
        }
        String hash = sha256(key).substring(0, 8);
        return clean.substring(0, MAX_KEY_LENGTH - 9) + "~" + hash;
    }

    static String paramValue(String value) {
        return truncate(value, MAX_PARAM_VALUE_LENGTH);
    }

    static String tagValue(String value) {
        return truncate(value, MAX_TAG_VALUE_LENGTH);
    }

    /** Cuts {@code value} to {@code max} characters, ending with a marker that says how much was cut. */
    static String truncate(String value, int max) {
        if (value == null) {
            return "";
        }
        if (value.length() <= max) {
            return value;
        }
        String marker = "...[truncated " + value.length() + " chars]";
        return value.substring(0, max - marker.length()) + marker;
    }

    private static String sha256(String s) {
        return Hashing.sha256(s);
    }
}
