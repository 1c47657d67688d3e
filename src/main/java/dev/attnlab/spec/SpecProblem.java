package dev.attnlab.spec;

/**
 * One problem found in a spec: where (file:line:column, or the {@code --set} argument), which key,
 * and what is wrong including what was expected.
 */
public record SpecProblem(String location, String keyPath, String message) {

    @Override
    public String toString() {
        return location + ": " + (keyPath == null || keyPath.isEmpty() ? "" : keyPath + ": ") + message;
    }
}
