package dev.attnlab.pipeline;

import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CacheKeysTest {

    /** A spec of its own, so the assertions do not depend on how the shipped specs are tuned. */
    private static final Path SPEC = writeSpec();

    private static Path writeSpec() {
        try {
            Path dir = java.nio.file.Files.createTempDirectory("cache-keys");
            dir.toFile().deleteOnExit();
            Path f = dir.resolve("spec.yaml");
            java.nio.file.Files.writeString(f, TestProject.SPEC.replace("backend: none", "backend: mlflow"));
            f.toFile().deleteOnExit();
            return f;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    private static final PipelineDefinition PIPELINE = PipelineLoader.load(Path.of("pipelines"), "language-model");
    private static final Map<String, Integer> V1 = Map.of("ingest", 1, "tokenize", 1, "train", 1, "evaluate", 1, "interpret", 1);

    private static Map<String, String> keys(Map<String, Integer> versions, String... sets) {
        ExperimentSpec spec = SpecLoader.load(SPEC, List.of(sets));
        List<FakeStage> stages = PIPELINE.stageNames().stream().map(n -> new FakeStage(n, versions.get(n))).toList();
        return RunPlan.of(spec, PIPELINE, StageRegistry.of(stages), null).keys();
    }

    /** Which stages' keys differ between two key maps. */
    private static List<String> changed(Map<String, String> a, Map<String, String> b) {
        return a.keySet().stream().filter(k -> !a.get(k).equals(b.get(k))).toList();
    }

    @Test
    void keysAreStableAndDistinct() {
        Map<String, String> a = keys(V1);
        assertEquals(a, keys(V1));
        assertEquals(5, a.values().stream().distinct().count());
        a.values().forEach(k -> assertEquals(64, k.length()));
    }

    @Test
    void aSectionChangeChangesItsReadersAndEverythingDownstreamOnly() {
        Map<String, String> base = keys(V1);
        assertEquals(List.of("train", "evaluate", "interpret"), changed(base, keys(V1, "train.lr=3e-4")));
        assertEquals(List.of("train", "evaluate", "interpret"), changed(base, keys(V1, "model.n_heads=4")));
        assertEquals(List.of("tokenize", "train", "evaluate", "interpret"), changed(base, keys(V1, "tokenizer.packing=truncate")));
        assertEquals(List.of("ingest", "tokenize", "train", "evaluate", "interpret"),
                changed(base, keys(V1, "data.synthetic.vocab=500")));
        assertEquals(List.of("ingest", "tokenize", "train", "evaluate", "interpret"), changed(base, keys(V1, "seed=1")));
        assertEquals(List.of("evaluate"), changed(base, keys(V1, "evaluate.max_batches=3")));
        assertEquals(List.of("interpret"), changed(base, keys(V1, "interpret.top_k=3")));
        // train reads single interpret keys: head scores during training change its outputs
        assertEquals(List.of("train", "evaluate", "interpret"), changed(base, keys(V1, "interpret.every=100")));
        assertEquals(List.of("train", "evaluate", "interpret"), changed(base, keys(V1, "interpret.induction_block_len=5")));
    }

    @Test
    void unrelatedKeysDoNotChangeAnyKey() {
        Map<String, String> base = keys(V1);
        assertEquals(List.of(), changed(base, keys(V1, "tracking.backend=none", "tracking.experiment=x")));
        assertEquals(List.of(), changed(base, keys(V1, "name=other", "description=changed")));
        assertEquals(List.of(), changed(base, keys(V1, "train.lr=1.0e-3"))); // same value, other spelling
        assertEquals(List.of(), changed(base, keys(V1, "train.resume=latest", "train.threads=2"))); // how, not what
    }

    @Test
    void dataEncodingChangesEveryKey() {
        Map<String, String> base = keys(V1);
        assertEquals(List.of("ingest", "tokenize", "train", "evaluate", "interpret"),
                changed(base, keys(V1, "data.encoding=windows-1252")));
    }

    @Test
    void aStageVersionChangesItsKeyAndItsDependents() {
        Map<String, Integer> v2 = new java.util.HashMap<>(V1);
        v2.put("tokenize", 2);
        assertEquals(List.of("tokenize", "train", "evaluate", "interpret"), changed(keys(V1), keys(v2)));
        Map<String, Integer> ev = new java.util.HashMap<>(V1);
        ev.put("evaluate", 7);
        assertEquals(List.of("evaluate"), changed(keys(V1), keys(ev)));
    }

    @Test
    void inputsArePartOfTheKey() {
        Record params = new dev.attnlab.train.TrainStage().params(SpecLoader.load(SPEC));
        String a = StageKey.of("train", 1, params, Map.of("tokenize", "k1")).key();
        String b = StageKey.of("train", 1, params, Map.of("tokenize", "k2")).key();
        assertNotEquals(a, b);
        assertEquals(a, StageKey.of("train", 1, params, Map.of("tokenize", "k1")).key());
    }
}
