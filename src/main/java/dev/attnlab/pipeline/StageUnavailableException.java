package dev.attnlab.pipeline;

/** A pipeline needs a stage no registered implementation provides (not built yet, or not on the class path). */
public class StageUnavailableException extends RuntimeException {
    public StageUnavailableException(String message) {
        super(message);
    }
}
