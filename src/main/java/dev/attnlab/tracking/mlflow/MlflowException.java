package dev.attnlab.tracking.mlflow;

/**
 * A failed MLflow call. {@link Kind} says what the caller may do: retry later (UNAVAILABLE),
 * fix credentials (AUTH), or give up on this request (REJECTED: the server refused its content).
 * Messages name the server and endpoint, never credentials.
 */
public final class MlflowException extends RuntimeException {
    public enum Kind { UNAVAILABLE, AUTH, REJECTED }

    private final Kind kind;
    private final int httpStatus;
    private final String errorCode;

    MlflowException(Kind kind, int httpStatus, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** MLflow's error_code (e.g. RESOURCE_ALREADY_EXISTS), or "". */
    public String errorCode() {
        return errorCode;
    }
}
