package dev.attnlab.sweep;

import java.util.List;

/** One dimension of the search space: an experiment spec key path and the values it may take. */
public sealed interface Parameter permits Parameter.Choice, Parameter.Range {

    /** The experiment spec key path, e.g. {@code train.lr}. */
    String path();

    /** A finite list of values ({@code values: [...]}), tried as unordered categories. */
    record Choice(String path, List<Object> values) implements Parameter {
        public Choice {
            values = List.copyOf(values);
        }
    }

    /**
     * A numeric range. {@code q} is only used by {@link Distribution#Q_UNIFORM}; {@code integer}
     * says whether sampled values are whole numbers (the spec key is an integer, or int_uniform).
     */
    record Range(String path, double min, double max, Distribution distribution, double q, boolean integer)
            implements Parameter {

        /** Rounds a raw value in [min, max] to what this range can produce. */
        public Object normalise(double x) {
            double v = Math.min(max, Math.max(min, x));
            if (distribution == Distribution.Q_UNIFORM) {
                v = min + Math.round((v - min) / q) * q;
                if (v > max + 1e-12) {
                    v -= q;
                }
            }
            if (integer || distribution == Distribution.INT_UNIFORM) {
                return Math.round(v);
            }
            return v;
        }
    }

    enum Distribution {
        UNIFORM("uniform"),
        LOG_UNIFORM_VALUES("log_uniform_values"),
        INT_UNIFORM("int_uniform"),
        Q_UNIFORM("q_uniform");

        public final String yamlName;

        Distribution(String yamlName) {
            this.yamlName = yamlName;
        }

        /** Samplers work in this space: log for log-uniform, identity otherwise. */
        public double toInternal(double x) {
            return this == LOG_UNIFORM_VALUES ? Math.log(x) : x;
        }

        public double fromInternal(double u) {
            return this == LOG_UNIFORM_VALUES ? Math.exp(u) : u;
        }
    }
}
