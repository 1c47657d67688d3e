package dev.attnlab.eval;

import dev.attnlab.interpret.InterpretStage;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StageWiringTest {

    @TempDir
    Path tmp;

    @Test
    void bothStagesAreRegisteredUnderTheirNames() {
        Set<String> names = new HashSet<>();
        for (Stage s : ServiceLoader.load(Stage.class)) names.add(s.name());
        assertTrue(names.contains("evaluate") && names.contains("interpret"), names.toString());
    }

    @Test
    void aTrainOutputWithoutModelIsAClearError() throws Exception {
        Path train = Files.createDirectories(tmp.resolve("train"));
        Path tok = EvaluationTest.writeTokenized(tmp.resolve("tok"), 16, 4);
        for (Stage<?> stage : new Stage<?>[] {new EvaluateStage(), new InterpretStage()}) {
            StageContext ctx = new StageContext("test", Map.of("train", train, "tokenize", tok),
                    Files.createDirectories(tmp.resolve(stage.name())), Tracker.NONE, Progress.NONE, RunLog.STDERR);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> dev.attnlab.pipeline.StageRuns.run(stage, QuickSpec.spec(), key -> ctx));
            assertTrue(e.getMessage().contains("model/") && e.getMessage().contains("re-run the train stage"), e.getMessage());
        }
    }
}
