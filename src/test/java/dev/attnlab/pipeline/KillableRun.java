package dev.attnlab.pipeline;

import dev.attnlab.spec.SpecLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A child JVM for {@link ProcessKillTest}: runs the test project and, in the train stage, writes a
 * marker file and then blocks until it is killed. With a third argument {@code stoppable} the train
 * stage registers for stop requests and, asked to stop, still finishes on its own after 2 s.
 */
public final class KillableRun {

    public static void main(String[] args) throws Exception {
        TestProject project = new TestProject(Path.of(args[0]), false);
        Path marker = Path.of(args[1]);
        boolean stoppable = args.length > 2 && args[2].equals("stoppable");
        List<FakeStage> stages = TestProject.languageModelStages();
        stages.get(2).registersStop = stoppable;
        stages.get(2).duringRun = () -> {
            try {
                Files.writeString(marker, "in train");
                Thread.sleep(stoppable ? 2_000 : 120_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        new ExperimentRunner(StageRegistry.of(stages), project.layout(), List.of())
                .run(SpecLoader.load(project.spec), RunOptions.defaults());
    }
}
