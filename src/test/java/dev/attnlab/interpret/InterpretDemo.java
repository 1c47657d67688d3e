package dev.attnlab.interpret;

import dev.attnlab.eval.EvaluationTest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the evaluation and interpretation of the hand-built induction model into a directory, to look at in a browser. */
public final class InterpretDemo {

    private InterpretDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/interpret-demo"));
        Path tok = EvaluationTest.writeTokenized(out.resolve("tokenized"), 64, 20);
        InterpretationTest.interpret(HandBuiltInductionModel.build(64, 16, 2, true), tok, Files.createDirectories(out.resolve("interpret")));
        new dev.attnlab.eval.Evaluation(HandBuiltInductionModel.build(64, 16, 2, true), dev.attnlab.tokenize.TokenizedData.open(tok),
                new dev.attnlab.eval.Evaluation.Settings(new dev.attnlab.spec.EvaluateSpec(2, 0, 0, 0, 2), 8, 3),
                dev.attnlab.pipeline.Progress.NONE, dev.attnlab.pipeline.RunLog.STDERR)
                .run(Files.createDirectories(out.resolve("evaluate")), dev.attnlab.tracking.Tracker.NONE, "evaluate");
        System.out.println(out.toAbsolutePath());
    }
}
