package dev.attnlab.sweep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * A trial's life: pending → running → finished | killed | diverged | crashed. Crashed trials rerun
 * on resume; the others are kept. Diverged = its training loss became NaN or infinite: a result of
 * its parameters (typically too high a learning rate), which a rerun would only repeat.
 */
public enum TrialStatus {
    PENDING, RUNNING, FINISHED, CRASHED, KILLED, DIVERGED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TrialStatus of(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** Ended with an outcome the sweep keeps (a resume does not rerun it). */
    public boolean kept() {
        return this == FINISHED || this == KILLED || this == DIVERGED;
    }
}
