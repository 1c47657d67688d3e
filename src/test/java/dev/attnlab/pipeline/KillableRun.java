package dev.attnlab.pipeline;

import dev.attnlab.spec.SpecLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A child JVM for {@link ProcessKillTest}: runs the test project and, in the train stage, writes a
 * marker file and then blocks until it is killed.
 */
public final class KillableRun {

    public static void main(String[] args) throws Exception {
        TestProject project = new TestProject(Path.of(args[0]), false);
        Path marker = Path.of(args[1]);
        List<FakeStage> stages = TestProject.languageModelStages();
        stages.get(2).duringRun = () -> {
            try {
                Files.writeString(marker, "in train");
                Thread.sleep(120_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        new ExperimentRunner(StageRegistry.of(stages), project.layout(), List.of())
                .run(SpecLoader.load(project.spec), RunOptions.defaults());
    }
}
