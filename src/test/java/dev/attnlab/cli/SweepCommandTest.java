package dev.attnlab.cli;

import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.sweep.FakeTrialMain;
import dev.attnlab.sweep.ProcessTrialRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepCommandTest {

    @TempDir
    Path dir;

    private Path write() throws Exception {
        Files.createDirectories(dir.resolve("experiments/sweeps"));
        Files.writeString(dir.resolve("experiments/base.yaml"), "name: base\ndata: {source: synthetic}\ntokenizer: {kind: none}\n");
        Path sweep = dir.resolve("experiments/sweeps/s.yaml");
        Files.writeString(sweep, """
                experiment: ../base.yaml
                method: grid
                metric: {name: val/loss, goal: minimize}
                parameters:
                  train.lr: {values: [1.0e-3, 1.0e-2, 1.0e-1]}
                parallel: 2
                """);
        return sweep;
    }

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The CLI as Main runs it, with the project in the temporary folder and trials as FakeTrialMain processes. */
    private int run(String... args) {
        CliContext ctx = new CliContext(StageRegistry::fromServiceLoader, List::of, dir, System.out,
                new PrintStream(err, true), false);
        CommandLine cmd = new CommandLine(new Main(ctx));
        SweepCommand sweep = (SweepCommand) cmd.getSubcommands().get("sweep").getCommand();
        sweep.trialRunner = new ProcessTrialRunner(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Dfake.out=" + dir.resolve("seen.json"), "-cp", System.getProperty("java.class.path"),
                FakeTrialMain.class.getName()));
        return cmd.execute(args);
    }

    @Test
    void runsASweepEndToEndWithTrialProcessesAndWritesTheResults() throws Exception {
        Path sweep = write();
        Path runs = dir.resolve("runs/sweeps");
        int code = run("sweep", "s", "--no-tracking", "--set", "train.steps=2");
        assertEquals(0, code, err.toString());
        String md = Files.readString(runs.resolve("s/trials.md"));
        assertTrue(md.contains("| 1 | trial-0000 | finished |"), md); // lr 1e-3 is the scripted optimum
        assertTrue(Files.readString(runs.resolve("s/best.yaml")).contains("lr: 0.001"));
        assertTrue(Files.isRegularFile(runs.resolve("s/trials/trial-0002/attempt-1/log.txt")));
        assertTrue(Files.readString(runs.resolve("s/trials/trial-0002/attempt-1/command.txt")).contains("--set train.steps=2"));

        assertTrue(Files.readString(runs.resolve("s/sweep.log")).contains("trial-0002 finished"));
        assertTrue(Files.readString(runs.resolve("s/trials/trial-0002/attempt-1/command.txt"))
                .contains(" --project-dir " + dir.toAbsolutePath().normalize() + " "), "trials run in the sweep's project");
        // a second run finds nothing to do and succeeds
        assertEquals(0, run("sweep", sweep.toString(), "--no-tracking", "--set", "train.steps=2"), err.toString());
        // changing a fixed key changes the sweep: refused with the fix
        assertEquals(2, run("sweep", sweep.toString(), "--no-tracking", "--set", "train.steps=3"));
        assertTrue(err.toString().contains("give the sweep a new 'name:'"), err.toString());
        // ... unless it runs under another name
        assertEquals(0, run("sweep", sweep.toString(), "--no-tracking", "--set", "train.steps=3", "--name", "s3", "--count", "1"), err.toString());
        assertEquals(1, Files.readAllLines(runs.resolve("s3/trials.csv")).size() - 1);
    }

    @Test
    void badSpecsAndOptionsExitWith2AndNoStackTrace() throws Exception {
        Path sweep = write();
        Files.writeString(sweep, Files.readString(sweep).replace("method: grid", "method: gird"));
        assertEquals(2, run("sweep", sweep.toString(), "--no-tracking"));
        Files.writeString(sweep, Files.readString(sweep).replace("method: gird", "method: grid"));
        assertEquals(2, run("sweep", sweep.toString(), "--no-tracking", "--set", "train.stpes=3"));
        // a value the base experiment rejects is caught before any trial runs
        Files.writeString(sweep, Files.readString(sweep).replace("train.lr: {values: [1.0e-3, 1.0e-2, 1.0e-1]}",
                "train.schedule: {values: [constant, cosine]}"));
        assertEquals(2, run("sweep", sweep.toString(), "--no-tracking"));
        assertEquals(2, run("sweep", "no-such-sweep", "--no-tracking"));
        String e = err.toString();
        assertTrue(e.contains("  " + sweep + ":2:9: method: unknown 'gird'"), e);
        assertTrue(e.contains(sweep + ": parameters.train.schedule: the value cosine makes the base experiment invalid: "), e);
        assertTrue(e.contains("sweep spec not found: no-such-sweep"), e);
        assertFalse(Files.exists(dir.resolve("runs/sweeps/s/trials")), "no trial ran");
        assertTrue(e.contains("did you mean 'grid'?"), e);
        assertTrue(e.contains("--set train.stpes=3: 'train.stpes' is not an experiment spec key path (did you mean 'train.steps'?)"), e);
        assertTrue(!e.contains("\tat "), "no stack trace: " + e);
    }
}
