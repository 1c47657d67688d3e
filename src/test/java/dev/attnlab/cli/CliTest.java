package dev.attnlab.cli;

import dev.attnlab.pipeline.FakeStage;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.pipeline.TestProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end, with fake stages: exit codes, messages, never a stack trace. */
class CliTest {

    @TempDir
    Path tmp;

    private TestProject project;
    private List<FakeStage> stages;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        project = new TestProject(tmp);
        stages = TestProject.languageModelStages();
    }

    private int cli(String... args) {
        out.reset();
        err.reset();
        CliContext ctx = new CliContext(() -> StageRegistry.of(stages), List::of, project.root,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                false);
        return Main.execute(args, ctx);
    }

    private String out() { return out.toString(StandardCharsets.UTF_8); }

    private String err() { return err.toString(StandardCharsets.UTF_8); }

    private void assertNoStackTrace() {
        for (String s : List.of(out(), err())) {
            assertFalse(s.contains("\tat ") || s.contains("Exception"), "stack trace or exception name leaked:\n" + s);
        }
    }

    @Test
    void runTwiceSecondIsAllCachedThenShowAndList() throws Exception {
        assertEquals(0, cli("run", project.spec.toString()), err());
        assertTrue(out().contains("completed: "), out());
        assertTrue(err().contains("stage train      done"), err());

        assertEquals(0, cli("run", "tiny")); // a name in experiments/
        for (String s : List.of("ingest", "tokenize", "train", "evaluate", "interpret")) {
            assertTrue(out().matches("(?s).*\\n  " + s + " +cached .*"), out());
        }
        stages.forEach(s -> assertEquals(1, s.runs.get()));

        assertEquals(0, cli("list"));
        assertTrue(out().contains("tiny.yaml") && out().contains("train:cached") && out().contains("interpret:cached"), out());

        assertEquals(0, cli("run", "tiny", "--set", "train.lr=0.5"));
        assertEquals(0, cli("show", project.root.resolve("runs/tiny").toString()));
        assertTrue(out().contains("status    completed"), out());
        assertTrue(out().contains("overrides [\"train.lr=0.5\"]"), out());
        assertTrue(out().matches("(?s).*  tokenize +hit .*"), out());
        assertTrue(out().matches("(?s).*  train +miss .*"), out());
        assertTrue(out().matches("(?s).*  train/value +21\\.0+ +2.*"), out());
        assertTrue(out().contains("train/out.txt"), out());
    }

    @Test
    void badSpecExitsTwoWithEveryProblemAndNoStackTrace() throws Exception {
        Files.writeString(project.spec, TestProject.SPEC.replace("d_model: 16", "d_modle: 16").replace("lr: 1.0e-3", "lr: fast"));
        assertEquals(2, cli("run", project.spec.toString()));
        assertTrue(err().contains("error: 2 problems in the spec:"), err());
        assertTrue(err().contains(project.spec + ":9:3: model.d_modle: unknown key; did you mean 'd_model'?"), err());
        assertTrue(err().contains(project.spec + ":13:7: train.lr: expected a number > 0, got 'fast'"), err());
        assertNoStackTrace();
        assertFalse(Files.exists(project.root.resolve("runs")), "nothing is run for an invalid spec");

        assertEquals(2, cli("validate", project.spec.toString(), "experiments/induction-2l.yaml"));
        assertTrue(out().contains("invalid  " + project.spec), out());
        assertNoStackTrace();

        assertEquals(2, cli("run", project.spec.toString(), "--set", "nonsense"));
        assertTrue(err().contains("--set nonsense: expected key.path=value"), err());
    }

    @Test
    void validateAcceptsGoodSpecsAndNotesMissingStages() {
        stages = List.of(new FakeStage("ingest"));
        assertEquals(0, cli("validate", project.spec.toString()));
        assertTrue(out().startsWith("ok       " + project.spec), out());
        assertTrue(out().contains("note: not available in this build: tokenize, train, evaluate, interpret"), out());
    }

    @Test
    void failingStageExitsOneWithAParagraphAndTheLogHasTheTrace() throws Exception {
        stages.get(2).failHalfway = true;
        assertEquals(1, cli("run", project.spec.toString()));
        String error = "error: stage 'train' failed: fake stage train failed on purpose. Full trace: ";
        assertEquals(1, err().split(java.util.regex.Pattern.quote(error), -1).length - 1, "said once: " + err());
        assertNoStackTrace();
        Path runDir;
        try (Stream<Path> s = Files.list(project.root.resolve("runs/tiny"))) {
            runDir = s.findFirst().orElseThrow();
        }
        assertTrue(Files.readString(runDir.resolve("run.log")).contains("at dev.attnlab.pipeline.FakeStage.run"));

        // the failed stage left state to resume from (as train leaves checkpoints): list says so
        assertEquals(0, cli("list"));
        assertTrue(out().contains("tokenize:cached  train:partial  evaluate:-"), out());
    }

    @Test
    void missingStageExitsOneAndSuggestsUntil() {
        stages = List.of(new FakeStage("ingest"), new FakeStage("tokenize"));
        assertEquals(1, cli("run", project.spec.toString()));
        assertTrue(err().contains("stage 'train' of pipeline language-model is not available in this build"), err());
        assertTrue(err().contains("--until tokenize"), err());
        assertNoStackTrace();
        assertEquals(0, cli("run", project.spec.toString(), "--until", "tokenize"));
    }

    @Test
    void usageErrorsAndHelp() {
        assertEquals(2, cli("run"));
        assertTrue(err().contains("Missing required parameter: 'SPEC'"), err());
        assertEquals(2, cli("run", "no-such-spec"));
        assertTrue(err().contains("error: spec not found: no-such-spec"), err());
        assertEquals(2, cli("run", project.spec.toString(), "--force", "trian"));
        assertTrue(err().contains("--force trian: no stage 'trian'"), err());
        assertEquals(2, cli("show", tmp.toString()));
        assertTrue(err().contains("is not a run directory"), err());
        assertNoStackTrace();
        for (String cmd : List.of("run", "validate", "list", "show", "schema")) {
            assertEquals(0, cli(cmd, "--help"), cmd);
            assertTrue(out().contains("Usage: attnlab " + cmd), out());
        }
        assertEquals(0, cli("--help"));
        assertTrue(out().contains("run") && out().contains("validate") && out().contains("show"), out());
    }

    @Test
    void unexpectedErrorsAreOneLineUnlessDebug() throws Exception {
        Files.delete(project.root.resolve("pipelines/language-model.yaml"));
        assertEquals(2, cli("run", project.spec.toString()));
        assertTrue(err().contains("pipeline 'language-model' not found"), err());
        assertNoStackTrace();

        CliContext broken = new CliContext(() -> {
            throw new IllegalStateException("a stage listed in META-INF/services cannot be loaded: boom");
        }, List::of, project.root, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        out.reset();
        err.reset();
        assertEquals(1, Main.execute(new String[] {"validate", project.spec.toString()}, broken));
        assertEquals("error: a stage listed in META-INF/services cannot be loaded: boom "
                + "(run with --debug for the stack trace)\n", err());
        err.reset();
        assertEquals(1, Main.execute(new String[] {"validate", "--debug", project.spec.toString()}, broken));
        assertTrue(err().contains("\tat dev.attnlab.cli"), err());
    }

    @Test
    void schemaMarkdownMatchesTheCommittedReference() throws Exception {
        assertEquals(0, cli("schema", "--markdown"));
        assertEquals(Files.readString(Path.of("docs/spec-reference.md")), out());
    }
}
