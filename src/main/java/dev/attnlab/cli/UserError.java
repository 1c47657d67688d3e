package dev.attnlab.cli;

/** A mistake in how attnlab was called (not a bug): printed as one paragraph, no stack trace. */
public class UserError extends RuntimeException {

    private final int exitCode;

    public UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
