package dev.attnlab.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;
import dev.attnlab.tracking.RunDirTracker;
import dev.attnlab.tracking.Tracker;
import dev.attnlab.tracking.TrackerBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentRunnerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private TestProject project;
    private List<FakeStage> stages;
    private ByteArrayOutputStream console;

    @BeforeEach
    void setUp() throws Exception {
        project = new TestProject(tmp);
        stages = TestProject.languageModelStages();
        console = new ByteArrayOutputStream();
    }

    private ExperimentRunner runner() {
        return new ExperimentRunner(StageRegistry.of(stages), project.layout(), List.of());
    }

    private RunOptions options() {
        return RunOptions.defaults().withConsole(new PrintStream(console, true, StandardCharsets.UTF_8), Progress.NONE);
    }

    private RunResult run(String... sets) {
        return run(options(), sets);
    }

    private RunResult run(RunOptions options, String... sets) {
        ExperimentSpec spec = SpecLoader.load(project.spec, List.of(sets));
        return runner().run(spec, options.withOverrides(List.of(sets)));
    }

    private FakeStage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> cacheStates(RunResult r) {
        return r.stages().stream().map(s -> s.name() + "=" + s.cache()).toList();
    }

    @Test
    void secondRunIsAllCacheHitsAndReplaysMetricsAndArtifacts() throws Exception {
        RunResult first = run();
        assertTrue(first.ok(), first.error());
        assertEquals(List.of("ingest=miss", "tokenize=miss", "train=miss", "evaluate=miss", "interpret=miss"),
                cacheStates(first));

        RunResult second = run();
        assertTrue(second.ok(), second.error());
        assertEquals(List.of("ingest=hit", "tokenize=hit", "train=hit", "evaluate=hit", "interpret=hit"),
                cacheStates(second));
        stages.forEach(s -> assertEquals(1, s.runs.get(), s.name() + " ran again"));
        assertFalse(first.runDir().equals(second.runDir()));

        // The cached run shows the same metrics (values and steps) and artifacts as the run that computed them.
        assertEquals(metrics(first.runDir()), metrics(second.runDir()));
        assertEquals(15, metrics(second.runDir()).size());
        Path artifact = second.runDir().resolve("artifacts/train/out.txt");
        assertTrue(Files.isRegularFile(artifact));
        assertEquals(Files.readString(first.runDir().resolve("artifacts/train/out.txt")), Files.readString(artifact));

        JsonNode tags = JSON.readTree(second.runDir().resolve(RunDirTracker.TAGS).toFile());
        assertEquals("hit", tags.path("stage.train.cache").asText());
        assertEquals("tiny", tags.path("spec.name").asText());
        assertEquals(64, tags.path("spec.hash").asText().length());
        assertEquals("language-model", tags.path("pipeline").asText());
        assertTrue(tags.has("git.commit") && tags.has("git.dirty") && tags.has("attnlab.version"));
        JsonNode firstTags = JSON.readTree(first.runDir().resolve(RunDirTracker.TAGS).toFile());
        assertEquals("miss", firstTags.path("stage.train.cache").asText());
    }

    @Test
    void runDirectoryHoldsResolvedSpecManifestLogAndParams() throws Exception {
        RunResult r = run("train.lr=3e-4");
        Path dir = r.runDir();
        assertTrue(dir.startsWith(project.root.resolve("runs/tiny")));
        assertTrue(dir.getFileName().toString().matches("\\d{8}T\\d{6}Z(-\\d+)?"), dir.toString());
        assertTrue(Files.readString(dir.resolve("spec.yaml")).contains("d_model: 16"));
        assertEquals(3.0e-4, JSON.readTree(dir.resolve("spec.json").toFile()).path("train").path("lr").asDouble());
        assertTrue(Files.isRegularFile(dir.resolve("source/tiny.yaml")));
        assertTrue(Files.readString(dir.resolve("run.log")).contains("fake stage train wrote out.txt"));

        JsonNode m = JSON.readTree(dir.resolve(ExperimentRunner.MANIFEST).toFile());
        assertEquals("completed", m.path("status").asText());
        assertEquals("train.lr=3e-4", m.path("overrides").get(0).asText());
        assertEquals(5, m.path("stages").size());
        JsonNode train = m.path("stages").get(2);
        assertEquals("train", train.path("name").asText());
        assertEquals(r.stage("train").key(), train.path("key").asText());
        assertEquals("miss", train.path("cache").asText());
        assertTrue(train.path("seconds").isNumber());

        JsonNode params = JSON.readTree(dir.resolve(RunDirTracker.PARAMS).toFile());
        assertEquals("16", params.path("model.d_model").asText());
        assertEquals("3.0E-4", params.path("train.lr").asText());
        assertEquals("[]", params.path("interpret.prompts").asText());
    }

    @Test
    void changingTrainLrRerunsTrainEvaluateInterpretOnly() {
        run();
        RunResult r = run("train.lr=3e-4");
        assertTrue(r.ok(), r.error());
        assertEquals(List.of("ingest=hit", "tokenize=hit", "train=miss", "evaluate=miss", "interpret=miss"),
                cacheStates(r));
        assertEquals(1, stage("tokenize").runs.get());
        assertEquals(2, stage("train").runs.get());
    }

    @Test
    void changingOnlyTrackingOrDescriptionKeepsEveryStageCached() {
        run();
        RunResult r = run("tracking.run_name=other", "description=changed");
        assertEquals(List.of("ingest=hit", "tokenize=hit", "train=hit", "evaluate=hit", "interpret=hit"),
                cacheStates(r));
    }

    @Test
    void forceRerunsTheStageAndItsDependents() {
        run();
        RunResult r = run(options().withForce(Set.of("tokenize")));
        assertEquals(List.of("ingest=hit", "tokenize=miss", "train=miss", "evaluate=miss", "interpret=miss"),
                cacheStates(r));
        RunResult again = run();
        assertEquals(List.of("ingest=hit", "tokenize=hit", "train=hit", "evaluate=hit", "interpret=hit"),
                cacheStates(again));
    }

    @Test
    void concurrentRunsOfTheSameSpecComputeEachStageOnce() throws Exception {
        stage("ingest").duringRun = () -> {
            try {
                Thread.sleep(100); // widen the window in which both runs want the same entry
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<RunResult>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(pool.submit(() -> run()));
            }
            Set<Path> dirs = new java.util.HashSet<>();
            for (var f : runs) {
                RunResult r = f.get();
                assertTrue(r.ok(), r.error());
                dirs.add(r.runDir());
            }
            assertEquals(3, dirs.size(), "each run has its own directory");
        } finally {
            pool.shutdownNow();
        }
        stages.forEach(s -> assertEquals(1, s.runs.get(), s.name() + " computed more than once"));
    }

    @Test
    void unknownForceStageIsAConfigurationError() {
        SpecException e = assertThrows(SpecException.class, () -> run(options().withForce(Set.of("trian"))));
        assertTrue(e.getMessage().contains("--force trian: no stage 'trian' in pipeline language-model"), e.getMessage());
        assertFalse(Files.exists(project.root.resolve("runs")), "no run directory for a configuration error");
    }

    @Test
    void failingStageLeavesNoEntryAndTheNextRunRecomputesIt() throws Exception {
        stage("train").failHalfway = true;
        RunResult failed = run();
        assertEquals(RunResult.Status.FAILED, failed.status());
        assertTrue(failed.error().contains("stage 'train' failed: fake stage train failed on purpose"), failed.error());
        assertFalse(Files.exists(cacheEntries("train")), "a failed stage must not leave a cache entry");
        assertEquals(List.of(), tmpDirs(), "the failed stage's temp dir is removed");
        JsonNode m = JSON.readTree(failed.runDir().resolve(ExperimentRunner.MANIFEST).toFile());
        assertEquals("failed", m.path("status").asText());
        assertEquals("failed", m.path("stages").get(2).path("cache").asText());
        assertEquals("pending", m.path("stages").get(3).path("cache").asText());
        assertTrue(Files.readString(failed.runDir().resolve("run.log")).contains("at dev.attnlab"),
                "the stack trace goes to run.log");
        assertFalse(console.toString(StandardCharsets.UTF_8).contains("at dev.attnlab"),
                "and not to the console");

        stage("train").failHalfway = false;
        RunResult ok = run("train.resume=latest"); // not part of the key: the same attempt resumes
        assertEquals(List.of("ingest=hit", "tokenize=hit", "train=miss", "evaluate=miss", "interpret=miss"),
                cacheStates(ok));
        assertEquals(2, stage("train").attemptsSeen, "the failed attempt's state directory was kept for the retry");
        String failedDir = project.root.relativize(failed.runDir()).toString();
        JsonNode failedTags = JSON.readTree(failed.runDir().resolve("tags.json").toFile());
        JsonNode okTags = JSON.readTree(ok.runDir().resolve("tags.json").toFile());
        assertEquals(failedDir, failedTags.path("run.dir").asText());
        assertFalse(failedTags.has("stage.train.continues"), failedTags.toString());
        assertEquals(failedDir, okTags.path("stage.train.continues").asText(),
                "the resumed attempt names the run whose state it continues");
        assertFalse(okTags.has("stage.evaluate.continues"), "evaluate had no earlier attempt");
        assertFalse(Files.exists(project.layout().cacheDir().resolve("state/train").resolve(ok.stage("train").key())),
                "state is removed once the entry is published");
    }

    @Test
    void aKilledRunLeavesNothingTrustedAndItsTempDirIsCleanedUp() throws Exception {
        RunResult first = run();
        String trainKey = first.stage("train").key();
        Path entry = project.layout().cacheDir().resolve("entries/train").resolve(trainKey);
        dev.attnlab.io.Directories.deleteTree(entry);
        // What a kill -9 mid-stage leaves: a half-written temp dir owned by a dead process...
        Path orphan = project.layout().cacheDir().resolve("tmp/train-" + trainKey.substring(0, 12) + ".999999999.deadbeef");
        Files.createDirectories(orphan.resolve("out"));
        Files.writeString(orphan.resolve("out/out.txt"), "half");
        // ...and, had a rename been interrupted by a crash of the file system, a directory without a manifest.
        Files.createDirectories(entry.resolve("out"));
        Files.writeString(entry.resolve("out/out.txt"), "half");

        RunResult r = run();
        assertTrue(r.ok(), r.error());
        assertEquals("miss", r.stage("train").cache());
        assertEquals(2, stage("train").runs.get());
        assertFalse(Files.exists(orphan), "the dead process's temp dir is removed");
        assertTrue(Files.readString(entry.resolve("out/out.txt")).startsWith("train"));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("no valid manifest.json"));
    }

    @Test
    void aCorruptedEntryIsDetectedAndRecomputed() throws Exception {
        RunResult first = run();
        Path data = project.layout().cacheDir().resolve("entries/tokenize").resolve(first.stage("tokenize").key())
                .resolve("out/sub/data.bin");
        Files.writeString(data, "y" + "x".repeat(999)); // same size, different content
        RunResult r = run();
        assertEquals(List.of("ingest=hit", "tokenize=miss", "train=hit", "evaluate=hit", "interpret=hit"),
                cacheStates(r));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("sub/data.bin does not match its sha256"));
        assertEquals("x".repeat(1000), Files.readString(data));
    }

    @Test
    void untilRunsAPrefixAndMissingStagesGiveAClearMessage() {
        stages = List.of(new FakeStage("ingest"), new FakeStage("tokenize"));
        StageUnavailableException e = assertThrows(StageUnavailableException.class, this::run);
        assertTrue(e.getMessage().contains("stage 'train' of pipeline language-model is not available in this build"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--until tokenize"), e.getMessage());

        RunResult r = run(options().withUntil("tokenize"));
        assertTrue(r.ok(), r.error());
        assertEquals(List.of("ingest=miss", "tokenize=miss"), cacheStates(r));
    }

    @Test
    void aCheckedExceptionFromAStageIsReportedAsThatStagesFailure() {
        stage("ingest").duringRun = () -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("data file missing: place it in /x"));
        };
        RunResult r = run();
        assertEquals(RunResult.Status.FAILED, r.status());
        assertTrue(r.error().startsWith("stage 'ingest' failed: data file missing: place it in /x"),
                r.error());
    }

    @Test
    void interruptedStageIsReportedAsInterruptedAndLeavesNoEntry() {
        stage("train").duringRun = () -> Thread.currentThread().interrupt();
        RunResult r = run();
        Thread.interrupted(); // clear the flag for the test thread
        assertEquals(RunResult.Status.INTERRUPTED, r.status());
        assertFalse(Files.exists(cacheEntries("train")));
    }

    @Test
    void remoteBackendReceivesEverythingAndItsFailureDoesNotStopTheRun() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        TrackerBackend recording = backend("mlflow", calls, false);
        Files.writeString(project.spec, TestProject.SPEC.replace("backend: none", "backend: mlflow"));
        ExperimentSpec spec = SpecLoader.load(project.spec);
        RunResult r = new ExperimentRunner(StageRegistry.of(stages), project.layout(), List.of(recording))
                .run(spec, options());
        assertTrue(r.ok());
        assertTrue(calls.contains("open:tiny:spec.name=tiny"), calls.toString());
        assertTrue(calls.contains("metric:train/value=11.0@1"), calls.toString());
        assertTrue(calls.contains("tag:stage.train.cache=miss"), calls.toString());
        assertTrue(calls.contains("artifact:train/out.txt"), calls.toString());
        assertTrue(calls.contains("close"), calls.toString());

        List<String> failingCalls = new CopyOnWriteArrayList<>();
        RunResult r2 = new ExperimentRunner(StageRegistry.of(stages), project.layout(),
                List.of(backend("mlflow", failingCalls, true))).run(spec, options());
        assertTrue(r2.ok(), r2.error());
        assertEquals(15, metrics(r2.runDir()).size(), "the run directory still has every metric");
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("tracker 'mlflow' failed"));
    }

    @Test
    void missingBackendWarnsAndTracksToTheRunDirectory() throws Exception {
        Files.writeString(project.spec, TestProject.SPEC.replace("backend: none", "backend: mlflow"));
        RunResult r = run();
        assertTrue(r.ok());
        assertEquals(15, metrics(r.runDir()).size());
    }

    private static TrackerBackend backend(String name, List<String> calls, boolean failOnMetrics) {
        return new TrackerBackend() {
            @Override public String name() { return name; }

            @Override
            public Tracker open(ExperimentSpec spec, Path runDir, Map<String, String> tags, RunLog log) {
                calls.add("open:" + spec.name() + ":spec.name=" + tags.get("spec.name"));
                return new Tracker() {
                    @Override public void logParams(Map<String, String> params) { calls.add("params:" + params.size()); }

                    @Override public void logMetric(String key, double value, long step) {
                        if (failOnMetrics) {
                            throw new IllegalStateException("server down");
                        }
                        calls.add("metric:" + key + "=" + value + "@" + step);
                    }

                    @Override public void setTag(String key, String value) { calls.add("tag:" + key + "=" + value); }

                    @Override public void logArtifact(Path file, String dir) {
                        assertTrue(Files.isRegularFile(file), "artifact file exists when logged: " + file);
                        calls.add("artifact:" + dir + "/" + file.getFileName());
                    }

                    @Override public void flush() { }

                    @Override public void close() { calls.add("close"); }
                };
            }
        };
    }

    private Path cacheEntries(String stage) {
        return project.layout().cacheDir().resolve("entries").resolve(stage);
    }

    private List<Path> tmpDirs() throws Exception {
        Path t = project.layout().cacheDir().resolve("tmp");
        if (!Files.isDirectory(t)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(t)) {
            return s.toList();
        }
    }

    /** key, value, step of every metric line (timestamps dropped). */
    static List<String> metrics(Path runDir) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve(RunDirTracker.METRICS))) {
            JsonNode n = JSON.readTree(line);
            out.add(n.path("key").asText() + "=" + n.path("value").asDouble() + "@" + n.path("step").asLong());
        }
        return out;
    }
}
