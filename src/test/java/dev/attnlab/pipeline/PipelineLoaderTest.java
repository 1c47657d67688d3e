package dev.attnlab.pipeline;

import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineLoaderTest {

    @TempDir
    Path dir;

    private String error(String yaml) throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, yaml);
        return assertThrows(SpecException.class, () -> PipelineLoader.load(f)).getMessage();
    }

    @Test
    void languageModelPipelineLoadsInDependencyOrder() {
        PipelineDefinition p = PipelineLoader.load(Path.of("pipelines"), "language-model");
        assertEquals(List.of("ingest", "tokenize", "train", "evaluate", "interpret"), p.stageNames());
        assertEquals(List.of("train", "tokenize"), p.stage("evaluate").inputs());
        assertEquals(List.of("tokenize"), p.stage("train").inputs());
    }

    @Test
    void declarationOrderDoesNotMatterOnlyTheEdges() throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, """
                stages:
                  - {name: c, inputs: [b]}
                  - {name: b, inputs: [a]}
                  - {name: a}
                """);
        assertEquals(List.of("a", "b", "c"), PipelineLoader.load(f).stageNames());
    }

    @Test
    void cycleIsNamed() throws Exception {
        String e = error("""
                stages:
                  - {name: a, inputs: [c]}
                  - {name: b, inputs: [a]}
                  - {name: c, inputs: [b]}
                  - {name: d}
                """);
        assertTrue(e.contains("the stage graph has a cycle: a -> b -> c -> a"), e);
    }

    @Test
    void inputThatIsNotAStageAndUnknownSectionAndDuplicates() throws Exception {
        String e = error("""
                stages:
                  - {name: a, reads: [data]}
                  - {name: b, inputs: [x]}
                  - {name: b}
                  - {name: c, output: y}
                """);
        // what a stage reads is declared in its code now: an old pipeline file says so
        assertTrue(e.contains("stages.a.reads: no longer used: each stage declares the spec keys it reads in code"), e);
        assertTrue(e.contains("stages.b.inputs: input 'x' is not a stage of this pipeline"), e);
        assertTrue(e.contains("stages.b: duplicate stage name"), e);
        assertTrue(e.contains("stages.c.output: unknown key; expected name, inputs"), e);
        assertTrue(e.contains(dir.resolve("p.yaml") + ":3:5: stages.b.inputs"), e);
    }

    @Test
    void missingPipelineListsTheAvailableOnes() {
        String e = assertThrows(SpecException.class, () -> PipelineLoader.load(Path.of("pipelines"), "languge-model"))
                .getMessage();
        assertTrue(e.contains("pipeline 'languge-model' not found; available: language-model"), e);
    }

    @Test
    void unknownStageIsReportedByThePlanWithTheRegisteredOnes(@TempDir Path project) throws Exception {
        TestProject p = new TestProject(project);
        ExperimentRunner runner = new ExperimentRunner(StageRegistry.of(new FakeStage("ingest")), p.layout(), List.of());
        RunPlan plan = runner.plan(SpecLoader.load(p.spec), null);
        assertEquals(List.of("tokenize", "train", "evaluate", "interpret"), plan.missing());
        assertEquals(List.of("ingest"), List.copyOf(plan.keys().keySet()));
        String e = assertThrows(StageUnavailableException.class,
                () -> runner.run(SpecLoader.load(p.spec), RunOptions.defaults())).getMessage();
        assertTrue(e.contains("stage 'tokenize' of pipeline language-model is not available in this build: no class "
                + "listed in META-INF/services/dev.attnlab.pipeline.Stage is named 'tokenize' (available: ingest). "
                + "Run the stages before it with --until ingest."), e);
    }

    @Test
    void duplicateStageImplementationsAreRejected() {
        String e = assertThrows(IllegalStateException.class,
                () -> StageRegistry.of(new FakeStage("a"), new FakeStage("a"))).getMessage();
        assertTrue(e.contains("two stages are registered as 'a'"), e);
    }

    @Test
    void upstreamAndDownstream() {
        PipelineDefinition p = PipelineLoader.load(Path.of("pipelines"), "language-model");
        assertEquals(java.util.Set.of("train", "tokenize", "ingest"), RunPlan.upstream(p, "train"));
        assertEquals(java.util.Set.of("train", "evaluate", "interpret"), RunPlan.downstream(p, java.util.Set.of("train")));
    }
}
