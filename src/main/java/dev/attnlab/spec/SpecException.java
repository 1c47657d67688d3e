package dev.attnlab.spec;

import java.util.List;

/** Every problem found while loading a spec (or a pipeline), reported together. */
public class SpecException extends RuntimeException {

    private final List<SpecProblem> problems;

    public SpecException(List<SpecProblem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<SpecProblem> problems() {
        return problems;
    }

    private static String render(List<SpecProblem> problems) {
        StringBuilder s = new StringBuilder();
        s.append(problems.size() == 1 ? "1 problem" : problems.size() + " problems");
        for (SpecProblem p : problems) {
            s.append("\n  ").append(p);
        }
        return s.toString();
    }
}
