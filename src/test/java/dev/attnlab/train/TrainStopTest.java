package dev.attnlab.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ctrl-C / SIGTERM on a training run: the JVM's exit waits for a checkpoint at the step in progress. */
class TrainStopTest {

    @Test
    void sigtermSavesACheckpointAtTheStepInProgress(@TempDir Path work) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path err = work.resolve("child.err");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), StoppableTrainRun.class.getName(), work.toString())
                .redirectError(err.toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("READY", out.readLine(), "the child trained 3 steps; its stderr: " + err);
            Thread.sleep(500);
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child exited");
        }
        // no periodic checkpoints (checkpoint_every: 0): the only one is the stop's
        List<Path> kept = new Checkpoints(work.resolve("state/checkpoints")).complete();
        assertEquals(1, kept.size(), kept + "; child stderr:\n" + Files.readString(err));
        long step = Long.parseLong(kept.get(0).getFileName().toString().substring("step-".length()));
        assertTrue(step > 3 && step < StoppableTrainRun.STEPS, "stopped at step " + step);
        assertTrue(Files.readString(err).contains("train: stopped at step " + step), Files.readString(err));
    }
}
