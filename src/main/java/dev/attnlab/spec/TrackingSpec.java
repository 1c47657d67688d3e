package dev.attnlab.spec;

/** The {@code tracking} section. Never part of a cache key. */
public record TrackingSpec(
        Backend backend,        // the run directory is always written
        String experiment,      // MLflow experiment; "" = spec name
        String runName) {       // "" = spec name + timestamp

    public enum Backend implements SpecChoice { MLFLOW, NONE }
}
