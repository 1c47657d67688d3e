package dev.attnlab.experiments;

import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every spec in experiments/ runs end to end for a few steps on the real data in ../shared/data,
 * so no spec can rot. The overrides shrink the run (documents, steps, evaluation batches), never
 * the architecture. WikiText-103 is not on the machine and WikiText-2's train split is not in
 * ../shared, so the WikiText specs run on WikiText-2 with its validation file standing in for
 * train (smoke only: it checks that the pipeline runs, not what it learns). Interpretation runs in
 * full on the synthetic specs and on one text spec (see below).
 */
class ExperimentSpecsSmokeTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    /** The text spec whose interpret stage runs in full: the smallest vocabulary (BERT cased, 28,996), one layer. */
    private static final String INTERPRETED_TEXT_SPEC = "imdb-1l-bert";
    private static final Path SHARED_DATA = Path.of(System.getProperty("attnlab.shared", "../shared")).resolve("data");

    @TempDir
    static Path work;
    static Path dataDir;

    static Stream<Path> specs() throws IOException {
        try (Stream<Path> files = Files.list(PROJECT.resolve("experiments"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @BeforeAll
    static void dataDirectory() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(SHARED_DATA), "../shared/data is not here");
        dataDir = work.resolve("data");
        Files.createDirectories(dataDir.resolve("wikitext-2"));
        for (String d : List.of("imdb", "gpt2", "bert-base-cased", "bert-base-uncased")) {
            Files.createSymbolicLink(dataDir.resolve(d), SHARED_DATA.resolve(d).toAbsolutePath());
        }
        Path wt2 = SHARED_DATA.resolve("wikitext-2").toAbsolutePath();
        Files.createSymbolicLink(dataDir.resolve("wikitext-2/wiki.train.tokens"), wt2.resolve("wiki.valid.tokens"));
        Files.createSymbolicLink(dataDir.resolve("wikitext-2/wiki.valid.tokens"), wt2.resolve("wiki.test.tokens"));
        Files.createSymbolicLink(dataDir.resolve("wikitext-2/wiki.test.tokens"), wt2.resolve("wiki.test.tokens"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void runsEndToEndWithASizeOverride(Path specFile) throws IOException, InterruptedException {
        List<String> sets = new ArrayList<>(List.of(
                "data.dir=" + dataDir, "data.download=false", "data.max_documents=300",
                "train.steps=3", "train.epochs=1", "train.eval_every=0", "train.eval_batches=2",
                "train.checkpoint_every=0", "train.batch_size=8",
                "evaluate.max_batches=2", "evaluate.induction_batches=1",
                "interpret.samples=1", "interpret.top_k=5",
                "tracking.backend=" + (System.getenv("MLFLOW_TRACKING_URI") == null ? "none" : "mlflow")));
        ExperimentSpec probe = SpecLoader.load(specFile);
        if (probe.data().source() == DataSpec.Source.WIKITEXT) {
            sets.addAll(List.of("data.variant=wikitext-2", "data.format=tokens", "data.max_lines=2000"));
        }
        boolean fullInterpret = probe.tokenizer().kind() == TokenizerSpec.Kind.NONE || INTERPRETED_TEXT_SPEC.equals(probe.name());
        if (!fullInterpret) {
            // Full OV/QK circuit tables over a 50k vocabulary cost about a minute per spec here: one
            // text spec (below) runs them, the others skip the stage's analyses.
            sets.add("interpret.enabled=false");
        }
        if (!probe.train().initFrom().isEmpty()) {
            // extends the run of the spec it names: that spec sorts (and so ran) first here, with these
            // overrides, so continue that run (its runs/ folder) for 3 more steps
            sets.add("train.init_from=" + work.resolve("runs").resolve(probe.train().initFrom()));
            sets.add("train.steps=6");
        }
        if (probe.data().source() == DataSpec.Source.SYNTHETIC) {
            sets.addAll(List.of("data.synthetic.train_sequences=200", "data.synthetic.val_sequences=20",
                    "data.synthetic.test_sequences=20"));
        }
        Path runs = work.resolve("runs");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=4g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=6g",
                "-cp", System.getProperty("java.class.path"), "dev.attnlab.cli.Main",
                "run", specFile.toString()));
        for (String set : sets) {
            cmd.add("--set");
            cmd.add(set);
        }
        // Its own JVM per spec, as a user runs it: ND4J's native memory and threads end with it.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(specFile.getFileName() + ".log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("ATTNLAB_CACHE", work.resolve("cache").toString());
        pb.environment().put("ATTNLAB_RUNS", runs.toString());
        Process p = pb.start();
        boolean finished = p.waitFor(20, TimeUnit.MINUTES);
        if (!finished) p.destroyForcibly();
        String log = Files.readString(work.resolve(specFile.getFileName() + ".log"));
        assertTrue(finished, specFile + ": did not finish in 20 minutes\n" + tail(log));
        assertEquals(0, p.exitValue(), () -> specFile + " failed:\n" + tail(log));
        for (String stage : List.of("ingest", "tokenize", "train", "evaluate", "interpret")) {
            assertTrue(log.matches("(?s).*\\bstage " + stage + "\\b.*"), specFile + ": stage " + stage + " did not run\n" + tail(log));
        }
        assertTrue(log.contains("completed:"), specFile + ": no completed line\n" + tail(log));
        if (fullInterpret) {
            Path run;
            try (Stream<Path> dirs = Files.list(runs.resolve(probe.name()))) {
                run = dirs.sorted().reduce((a, b) -> b).orElseThrow();
            }
            for (String artifact : List.of("report.html", "interpret/attention_viewer.html", "interpret/head_scores.csv",
                    "interpret/ov_circuit_top.csv", "interpret/qk_circuit_top.csv", "interpret/ablation.csv")) {
                assertTrue(Files.size(run.resolve("artifacts").resolve(artifact)) > 0, specFile + ": no " + artifact);
            }
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }
}
