package dev.attnlab.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real processes killed in the middle of a stage: nothing half-written is ever trusted. */
class ProcessKillTest {

    @TempDir
    Path tmp;

    private Process start(TestProject project, Path marker, String... mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                KillableRun.class.getName(), project.root.toString(), marker.toString(), mode.length > 0 ? mode[0] : "")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(marker)) {
            assertTrue(p.isAlive(), "child died early: " + Files.readString(tmp.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "child never reached the train stage");
            Thread.sleep(50);
        }
        return p;
    }

    private static Path onlyRunDir(TestProject project) throws Exception {
        try (Stream<Path> s = Files.list(project.root.resolve("runs/tiny"))) {
            return s.findFirst().orElseThrow();
        }
    }

    @Test
    void killedMidStageLeavesNoEntryAndTheNextRunRecomputes() throws Exception {
        TestProject project = new TestProject(tmp.resolve("p"));
        Process p = start(project, tmp.resolve("marker"));
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no hook, no cleanup
        Path killedRun = onlyRunDir(project);
        ObjectMapper json = new ObjectMapper();
        assertEquals("running", json.readTree(killedRun.resolve(ExperimentRunner.MANIFEST).toFile()).path("status").asText(),
                "nobody could record the kill");

        Path cache = project.layout().cacheDir();
        assertTrue(Files.isDirectory(cache.resolve("entries/tokenize")), "stages before train were published");
        assertFalse(Files.exists(cache.resolve("entries/train")), "the killed stage left no entry");
        try (Stream<Path> s = Files.list(cache.resolve("tmp"))) {
            assertEquals(1, s.filter(d -> d.getFileName().toString().startsWith("train-")).count(),
                    "its temp dir is left behind");
        }

        List<FakeStage> stages = TestProject.languageModelStages();
        RunResult r = new ExperimentRunner(StageRegistry.of(stages), project.layout(), List.of())
                .run(SpecLoader.load(project.spec), RunOptions.defaults());
        assertTrue(r.ok(), r.error());
        assertEquals("hit", r.stage("tokenize").cache());
        assertEquals("miss", r.stage("train").cache());
        try (Stream<Path> s = Files.list(cache.resolve("tmp"))) {
            assertEquals(0, s.count(), "the orphaned temp dir was removed");
        }
        // the next run found the killed one's manifest saying "running" with no process behind it
        var killed = json.readTree(killedRun.resolve(ExperimentRunner.MANIFEST).toFile());
        assertEquals("killed", killed.path("status").asText());
        assertTrue(killed.path("error").asText().contains("marked by the run " + r.runDir().getFileName()), killed.toString());
        assertEquals("killed", killed.path("stages").get(2).path("cache").asText(), "train was the stage in progress");
        assertEquals("completed", json.readTree(r.runDir().resolve(ExperimentRunner.MANIFEST).toFile()).path("status").asText());
    }

    @Test
    void aRunWhoseProcessIsAliveIsNotMarkedKilled() throws Exception {
        TestProject project = new TestProject(tmp.resolve("p"));
        Process p = start(project, tmp.resolve("marker"));
        Path live = onlyRunDir(project);
        Path other = Files.createDirectories(live.resolveSibling("later"));
        ObjectMapper json = new ObjectMapper();
        try {
            RunDirectory.closeAbandoned(other, RunLog.STDERR);
            assertEquals("running", json.readTree(live.resolve(ExperimentRunner.MANIFEST).toFile()).path("status").asText(),
                    "its process holds the lock");
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        RunDirectory.closeAbandoned(other, RunLog.STDERR);
        assertEquals("killed", json.readTree(live.resolve(ExperimentRunner.MANIFEST).toFile()).path("status").asText());
    }

    @Test
    void terminatedRunRecordsTheInterruptionThroughTheShutdownHook() throws Exception {
        TestProject project = new TestProject(tmp.resolve("p"));
        Process p = start(project, tmp.resolve("marker"));
        p.destroy(); // SIGTERM, as Ctrl-C: shutdown hooks run
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Path runDir = onlyRunDir(project);
        var manifest = new ObjectMapper().readTree(runDir.resolve(ExperimentRunner.MANIFEST).toFile());
        assertEquals("interrupted", manifest.path("status").asText());
        assertEquals("interrupted during stage 'train'", manifest.path("error").asText());
        assertTrue(Files.readString(runDir.resolve("tags.json")).contains("\"run.status\" : \"interrupted\""));
        assertEquals(6, Files.readAllLines(runDir.resolve("metrics.jsonl")).size(),
                "metrics logged before the interruption were flushed");
        assertFalse(Files.exists(project.layout().cacheDir().resolve("entries/train")));
    }

    @Test
    void aStageAskedToStopThatFinishesAnywayIsKeptButNoFurtherStageStarts() throws Exception {
        TestProject project = new TestProject(tmp.resolve("p"));
        Process p = start(project, tmp.resolve("marker"), "stoppable");
        p.destroy(); // SIGTERM: the hook asks train to stop and waits for it
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        var manifest = new ObjectMapper().readTree(onlyRunDir(project).resolve(ExperimentRunner.MANIFEST).toFile());
        assertEquals("interrupted", manifest.path("status").asText());
        assertEquals("interrupted before stage 'evaluate'", manifest.path("error").asText());
        Path cache = project.layout().cacheDir();
        assertTrue(Files.isDirectory(cache.resolve("entries/train")), "train finished within the grace period: kept");
        assertFalse(Files.exists(cache.resolve("entries/evaluate")), "nothing started after the stop");
    }
}
