package dev.attnlab.sweep;

import java.util.List;

/**
 * A sweep spec that cannot be used. Carries every problem found, each already formatted as
 * {@code file:line:column: key: what is wrong and how to fix it}; the CLI prints them and exits 2.
 */
public final class SweepSpecException extends Exception {

    private final List<String> problems;

    public SweepSpecException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
