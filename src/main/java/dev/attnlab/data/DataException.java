package dev.attnlab.data;

import java.io.IOException;

/** Bad or missing input data: the message names the file, the spec key and the fix. */
public class DataException extends IOException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
