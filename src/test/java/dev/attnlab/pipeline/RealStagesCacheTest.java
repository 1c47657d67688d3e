package dev.attnlab.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real stages through the runner: reruns that the cache must not miss, and train.init_from. */
class RealStagesCacheTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private RunResult run(TestProject project, String... sets) {
        ExperimentRunner runner = new ExperimentRunner(StageRegistry.fromServiceLoader(), project.layout(), List.of());
        List<String> all = new ArrayList<>(List.of("train.threads=1", "interpret.ablation=false"));
        all.addAll(List.of(sets));
        RunResult r = runner.run(SpecLoader.load(project.spec, all), RunOptions.defaults().withOverrides(all));
        assertEquals(RunResult.Status.COMPLETED, r.status(), () -> String.valueOf(r.error()));
        return r;
    }

    /** The issue's stale case: interpret sizes its ablations with evaluate.induction_batches. */
    @Test
    void aKeyReadByTwoStagesRerunsBothAndTheManifestSaysWhy() throws Exception {
        TestProject project = new TestProject(tmp);
        RunResult first = run(project, "interpret.ablation=true");
        RunResult second = run(project, "interpret.ablation=true", "evaluate.induction_batches=1");
        assertEquals("hit", second.stage("train").cache());
        assertEquals("miss", second.stage("evaluate").cache());
        assertEquals("miss", second.stage("interpret").cache());
        assertEquals("evaluate.induction_batches 4 -> 1", second.stage("interpret").reason());
        JsonNode manifest = JSON.readTree(second.runDir().resolve(RunDirectory.MANIFEST).toFile());
        String reasons = manifest.path("stages").toString();
        assertTrue(reasons.contains("\"reason\":\"evaluate.induction_batches 4 -> 1\""), reasons);
        assertTrue(Files.readString(second.runDir().resolve(RunDirectory.LOG))
                .contains("stage interpret: running (evaluate.induction_batches 4 -> 1)"));
        RunResult third = run(project, "interpret.ablation=true", "evaluate.induction_batches=1");
        third.stages().forEach(s -> assertEquals("hit", s.cache(), s.name()));
        assertEquals("no earlier run of this spec to compare with", first.stage("ingest").reason());
    }

    /**
     * Extending a finished run: 2 epochs, then init_from it up to 5, gives the 5-epoch run's curve
     * from step 2 epochs on and its final weights, bit for bit (constant lr, one thread).
     */
    @Test
    void aRunExtendedWithInitFromEqualsTheLongerRun() throws Exception {
        TestProject project = new TestProject(tmp);
        String[] common = {"train.steps=0", "train.batch_size=2", "train.eval_every=0", "train.checkpoint_every=0",
                "train.schedule=constant"};
        RunResult shortRun = run(project, concat(common, "train.epochs=2"));
        RunResult extended = run(project, concat(common, "train.epochs=5", "train.init_from=" + shortRun.runDir()));
        RunResult longRun = run(project, concat(common, "train.epochs=5"));

        Map<Long, Double> shortCurve = curve(shortRun.runDir()), ext = curve(extended.runDir()), full = curve(longRun.runDir());
        long initStep = shortCurve.keySet().stream().max(Long::compare).orElseThrow();
        assertTrue(initStep > 1 && full.size() > shortCurve.size(), "the longer run has more steps");
        assertEquals(full.keySet().stream().filter(s -> s > initStep).toList(), List.copyOf(ext.keySet()));
        ext.forEach((step, loss) -> assertEquals(full.get(step), loss, 0.0, "train/loss at step " + step));
        shortCurve.forEach((step, loss) -> assertEquals(full.get(step), loss, 0.0, "the first 2 epochs, step " + step));
        assertArrayEquals(Files.readAllBytes(weights(longRun)), Files.readAllBytes(weights(extended)));
        assertTrue(!extended.stage("train").key().equals(longRun.stage("train").key()), "init_from is part of the key");
        // the same entry named by its key or by the spec's runs folder gives the same key: the reference is resolved
        RunResult byKey = run(project, concat(common, "train.epochs=5", "train.init_from=" + shortRun.stage("train").key()));
        assertEquals(extended.stage("train").key(), byKey.stage("train").key());
        assertEquals("hit", byKey.stage("train").cache());
    }

    /** Evaluate and interpret recomputed (--force) log the same metrics, bit for bit. */
    @Test
    void evaluateAndInterpretRecomputedGiveTheSameMetrics() throws Exception {
        TestProject project = new TestProject(tmp);
        RunResult first = run(project, "interpret.ablation=true");
        ExperimentRunner runner = new ExperimentRunner(StageRegistry.fromServiceLoader(), project.layout(), List.of());
        List<String> sets = List.of("train.threads=1", "interpret.ablation=false", "interpret.ablation=true");
        RunResult again = runner.run(SpecLoader.load(project.spec, sets),
                RunOptions.defaults().withForce(java.util.Set.of("evaluate", "interpret")).withOverrides(sets));
        assertEquals("miss", again.stage("evaluate").cache());
        assertEquals("miss", again.stage("interpret").cache());
        Map<String, Double> a = stageMetrics(first.runDir()), b = stageMetrics(again.runDir());
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("eval/")) && a.keySet().stream().anyMatch(k -> k.startsWith("heads/")), a.keySet().toString());
        assertEquals(a, b);
    }

    /** Every evaluate and interpret metric (eval/*, heads/*) but timings, by step. */
    private static Map<String, Double> stageMetrics(Path runDir) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            String key = n.path("key").asText();
            if ((key.startsWith("eval/") || key.startsWith("heads/") || key.startsWith("interpret")) && !key.contains("seconds") && !key.endsWith("_per_s")) {
                out.put(key + "@" + n.path("step").asLong(), n.path("value").asDouble());
            }
        }
        return out;
    }

    private static Path weights(RunResult r) {
        return r.stage("train").outputDir().resolve("model/model.safetensors");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> out = new ArrayList<>(List.of(a));
        out.addAll(List.of(b));
        return out.toArray(String[]::new);
    }

    private static Map<Long, Double> curve(Path runDir) throws Exception {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.path("key").asText().equals("train/loss")) out.put(n.path("step").asLong(), n.path("value").asDouble());
        }
        return out;
    }
}
