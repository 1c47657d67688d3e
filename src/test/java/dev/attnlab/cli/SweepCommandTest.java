package dev.attnlab.cli;

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

    private int run(SweepCommand command, String... args) {
        return new CommandLine(command).execute(args);
    }

    private SweepCommand command() {
        SweepCommand c = new SweepCommand();
        c.trialRunner = new ProcessTrialRunner(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Dfake.out=" + dir.resolve("seen.json"), "-cp", System.getProperty("java.class.path"),
                FakeTrialMain.class.getName()));
        return c;
    }

    @Test
    void runsASweepEndToEndWithTrialProcessesAndWritesTheResults() throws Exception {
        Path sweep = write();
        Path runs = dir.resolve("runs/sweeps");
        int code = run(command(), sweep.toString(), "--no-tracking", "--runs-dir", runs.toString(), "--set", "train.steps=2");
        assertEquals(0, code, "exit code 0 expected, got " + code);
        String md = Files.readString(runs.resolve("s/trials.md"));
        assertTrue(md.contains("| 1 | trial-0000 | finished |"), md); // lr 1e-3 is the scripted optimum
        assertTrue(Files.readString(runs.resolve("s/best.yaml")).contains("lr: 0.001"));
        assertTrue(Files.isRegularFile(runs.resolve("s/trials/trial-0002/attempt-1/log.txt")));
        assertTrue(Files.readString(runs.resolve("s/trials/trial-0002/attempt-1/command.txt")).contains("--set train.steps=2"));

        // a second run finds nothing to do and succeeds
        assertEquals(0, run(command(), sweep.toString(), "--no-tracking", "--runs-dir", runs.toString(), "--set", "train.steps=2"));
        // changing a fixed key changes the sweep: refused with the fix
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(2, run(command(), sweep.toString(), "--no-tracking", "--runs-dir", runs.toString(), "--set", "train.steps=3"));
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString().contains("give the sweep a new 'name:'"), err.toString());
    }

    @Test
    void badSpecsAndOptionsExitWith2AndNoStackTrace() throws Exception {
        Path sweep = write();
        Files.writeString(sweep, Files.readString(sweep).replace("method: grid", "method: gird"));
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(2, run(command(), sweep.toString(), "--no-tracking", "--runs-dir", dir.resolve("r").toString()));
            Files.writeString(sweep, Files.readString(sweep).replace("method: gird", "method: grid"));
            assertEquals(2, run(command(), sweep.toString(), "--no-tracking", "--set", "train.stpes=3"));
        } finally {
            System.setErr(old);
        }
        String e = err.toString();
        assertTrue(e.contains("error: " + sweep + ":2:9: method: unknown 'gird'"), e);
        assertTrue(e.contains("did you mean 'grid'?"), e);
        assertTrue(e.contains("--set train.stpes=3: 'train.stpes' is not an experiment spec key path (did you mean 'train.steps'?)"), e);
        assertTrue(!e.contains("\tat "), "no stack trace: " + e);
    }
}
