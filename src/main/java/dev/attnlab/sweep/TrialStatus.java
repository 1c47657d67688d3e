package dev.attnlab.sweep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** A trial's life: pending → running → finished | crashed | killed (crashed trials rerun on resume). */
public enum TrialStatus {
    PENDING, RUNNING, FINISHED, CRASHED, KILLED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TrialStatus of(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public boolean ended() {
        return this == FINISHED || this == CRASHED || this == KILLED;
    }
}
