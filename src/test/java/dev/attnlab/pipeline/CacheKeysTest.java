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
        return CacheKeys.compute(spec, PIPELINE.stages(), versions);
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
    void dataEncodingChangesEveryKeyOnlyWhenItIsNotTheDefault() {
        Map<String, String> base = keys(V1);
        assertEquals(List.of("ingest", "tokenize", "train", "evaluate", "interpret"),
                changed(base, keys(V1, "data.encoding=windows-1252")));
        // the key was added after caches existed: at its default the keys are those of a spec without it
        ExperimentSpec spec = SpecLoader.load(SPEC);
        Map<String, Object> resolved = new java.util.TreeMap<>(spec.resolved());
        Map<String, Object> data = new java.util.TreeMap<>(castMap(resolved.get("data")));
        assertEquals("utf-8", data.remove("encoding"));
        resolved.put("data", data);
        ExperimentSpec without = new ExperimentSpec(spec.name(), spec.description(), spec.pipeline(), spec.seed(),
                spec.data(), spec.tokenizer(), spec.model(), spec.train(), spec.evaluate(), spec.interpret(),
                spec.tracking(), spec.file(), resolved);
        assertEquals(base, CacheKeys.compute(without, PIPELINE.stages(), V1));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
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
        ExperimentSpec spec = SpecLoader.load(SPEC);
        PipelineDefinition.StageNode train = PIPELINE.stage("train");
        String a = CacheKeys.key(spec, train, 1, Map.of("tokenize", "k1"));
        String b = CacheKeys.key(spec, train, 1, Map.of("tokenize", "k2"));
        assertNotEquals(a, b);
        assertEquals(a, CacheKeys.key(spec, train, 1, Map.of("tokenize", "k1")));
    }
}
