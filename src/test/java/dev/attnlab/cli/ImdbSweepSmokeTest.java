package dev.attnlab.cli;

import dev.attnlab.pipeline.StageRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped imdb-1l-sweep on a tiny budget, end to end: real 'attnlab run' trial processes on
 * the IMDB data in ../shared (skipped without it), with MLflow when MLFLOW_TRACKING_URI is set.
 */
class ImdbSweepSmokeTest {

    @TempDir
    Path dir;

    @Test
    void imdbSweepRunsOnASmallBudgetAndReusesIngestAndTokenize() throws Exception {
        Path data = Path.of(System.getProperty("attnlab.shared", "../shared")).resolve("data");
        Assumptions.assumeTrue(Files.isRegularFile(data.resolve("imdb/train.csv")), "no IMDB data in " + data);
        copyTree(Path.of("pipelines"), dir.resolve("pipelines"));
        copyTree(Path.of("experiments"), dir.resolve("experiments"));

        List<String> args = new ArrayList<>(List.of("sweep", "imdb-1l-sweep", "--name", "smoke", "--count", "2",
                "--set", "data.dir=" + data.toAbsolutePath().normalize(), "--set", "data.max_documents=60",
                "--set", "train.steps=4", "--set", "train.eval_every=2", "--set", "train.eval_batches=1",
                "--set", "evaluate.max_batches=1"));
        String uri = System.getenv("MLFLOW_TRACKING_URI");
        if (uri == null || uri.isBlank()) {
            args.add("--no-tracking");
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(StageRegistry::fromServiceLoader, CliContext.fromClassPath().backends(), dir,
                System.out, new PrintStream(err, true), false);
        int code = new CommandLine(new Main(ctx)).execute(args.toArray(String[]::new));
        Path sweep = dir.resolve("runs/sweeps/smoke");
        assertEquals(0, code, err + "\n" + logs(sweep));

        List<String> csv = Files.readAllLines(sweep.resolve("trials.csv"));
        assertEquals(3, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("1,trial-0000,finished,") || csv.get(1).startsWith("1,trial-0001,finished,"), csv.get(1));
        assertTrue(Files.readString(sweep.resolve("best.yaml")).contains("extends: ../../../experiments/imdb-1l-sweep-base.yaml"));
        // the trial process reported its evaluations through ATTNLAB_TRIAL_REPORT (RunCommand's observer)
        List<String> report = Files.readAllLines(sweep.resolve("trials/trial-0000/attempt-1/metrics.jsonl"));
        assertEquals(2, report.stream().filter(l -> l.contains("\"key\":\"val/loss\"")).count(), String.join("\n", report));
        // the second trial differs only in model/train keys: data and tokens come from the stage cache
        String second = Files.readString(sweep.resolve("trials/trial-0001/attempt-1/log.txt"));
        assertTrue(second.matches("(?s).*stage ingest +cached.*") && second.matches("(?s).*stage tokenize +cached.*"), second);
    }

    private static String logs(Path sweep) throws IOException {
        if (!Files.isDirectory(sweep.resolve("trials"))) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.walk(sweep.resolve("trials"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("log.txt")).toList()) {
                out.append("== ").append(f).append('\n').append(Files.readString(f));
            }
        }
        return out.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
