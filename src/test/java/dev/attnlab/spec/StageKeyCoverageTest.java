package dev.attnlab.spec;

import dev.attnlab.data.IngestStage;
import dev.attnlab.eval.EvaluateStage;
import dev.attnlab.interpret.InterpretStage;
import dev.attnlab.pipeline.PipelineDefinition;
import dev.attnlab.pipeline.PipelineLoader;
import dev.attnlab.pipeline.RunPlan;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageParams;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.tokenize.TokenizeStage;
import dev.attnlab.train.TrainStage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every key of {@link SpecSchema}, changed on its own, changes the params (and so the cache key) of
 * exactly the stages that declare it, and the keys of exactly those stages and what is downstream of
 * them. Generated from the schema: a new key without an entry in {@link #READERS} fails, and so does
 * a stage whose params record starts or stops reading a key without the table saying so.
 */
class StageKeyCoverageTest {

    private static final List<Stage<?>> STAGES = List.of(new IngestStage(), new TokenizeStage(), new TrainStage(),
            new EvaluateStage(), new InterpretStage());
    private static final PipelineDefinition PIPELINE = PipelineLoader.load(Path.of("pipelines"), "language-model");

    /** The decision for every key: which stages' params hold it (by prefix: the longest listed prefix decides). */
    private static final Map<String, Set<String>> READERS = new LinkedHashMap<>();

    static {
        decide("name");
        decide("description");
        decide("extends");               // merged away before a spec exists
        decide("pipeline");              // picks the graph, read by no stage
        decide("seed", "ingest", "train", "evaluate", "interpret");
        decide("data", "ingest");
        decide("data.dir", "ingest", "tokenize", "interpret");         // where vocabularies are found, too
        decide("data.download", "ingest", "tokenize", "interpret");
        decide("data.source", "ingest", "interpret");                  // interpret warns on synthetic periods
        decide("data.synthetic.vocab", "ingest", "tokenize");          // tokenize checks ids against it
        decide("data.synthetic.block_len", "ingest", "interpret");
        decide("tokenizer", "tokenize", "interpret");                  // interpret encodes prompts with it
        decide("model", "train");
        decide("train", "train");
        decide("train.batch_size", "train", "evaluate", "interpret");
        decide("train.resume");          // how, not what: a resumed run equals an uninterrupted one
        decide("train.threads");         // how, not what
        decide("train.init_from");       // enters train's key as an input: the key of the entry it names
        decide("evaluate", "evaluate");
        decide("evaluate.induction_batches", "evaluate", "interpret"); // interpret's ablation batches
        decide("interpret", "interpret");
        decide("interpret.every", "train", "interpret");               // train probes head scores
        decide("interpret.induction_block_len", "train", "interpret");
        decide("tracking");
    }

    /** Keys whose change cannot be planned without more than the spec (a reference to resolve). */
    private static final Set<String> NOT_PLANNED_ALONE = Set.of("train.init_from", "pipeline", "extends");

    private static void decide(String prefix, String... stages) {
        READERS.put(prefix, Set.of(stages));
    }

    private static Set<String> decidedReaders(String key) {
        String best = null;
        for (String prefix : READERS.keySet()) {
            if ((key.equals(prefix) || key.startsWith(prefix + ".")) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? null : READERS.get(best);
    }

    @Test
    void everySchemaKeyChangesTheParamsOfExactlyTheStagesThatDeclareIt() throws Exception {
        ExperimentSpec base = baseSpec();
        Map<String, String> baseHashes = paramHashes(base);
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (SpecSchema.Key key : SpecSchema.keys()) {
            if (key.type() == SpecSchema.Type.SECTION) continue;
            Set<String> expected = decidedReaders(key.path());
            if (expected == null) {
                problems.add(key.path() + ": no decision in StageKeyCoverageTest.READERS (which stages read it?)");
                continue;
            }
            if (key.path().equals("extends")) continue; // not a value of the resolved spec
            ExperimentSpec changed = SpecRecords.build(with(base.resolved(), key.path(), mutated(key, base.resolved())), base.file());
            Map<String, String> hashes = paramHashes(changed);
            Set<String> actual = new TreeSet<>();
            hashes.forEach((stage, h) -> { if (!h.equals(baseHashes.get(stage))) actual.add(stage); });
            if (!actual.equals(new TreeSet<>(expected))) {
                problems.add(key.path() + ": changes the params of " + actual + ", the table says " + new TreeSet<>(expected));
            }
            checked++;
        }
        System.out.println("StageKeyCoverageTest: " + checked + " schema keys checked against " + STAGES.size() + " stages");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked > 70, "the schema has more keys than " + checked);
    }

    @Test
    void everySchemaKeyChangesTheCacheKeysOfItsReadersAndWhatIsDownstreamOnly() throws Exception {
        ExperimentSpec base = baseSpec();
        Map<String, String> baseKeys = plan(base).keys();
        List<String> problems = new ArrayList<>();
        for (SpecSchema.Key key : SpecSchema.keys()) {
            if (key.type() == SpecSchema.Type.SECTION || NOT_PLANNED_ALONE.contains(key.path())) continue;
            Set<String> expected = RunPlan.downstream(PIPELINE, decidedReaders(key.path()));
            ExperimentSpec changed = SpecRecords.build(with(base.resolved(), key.path(), mutated(key, base.resolved())), base.file());
            Map<String, String> keys = plan(changed).keys();
            Set<String> actual = new TreeSet<>();
            keys.forEach((stage, k) -> { if (!k.equals(baseKeys.get(stage))) actual.add(stage); });
            if (!actual.equals(new TreeSet<>(expected))) {
                problems.add(key.path() + ": changes the keys of " + actual + ", expected " + new TreeSet<>(expected));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theSameValueSpelledOtherwiseChangesNoKey() throws Exception {
        ExperimentSpec base = baseSpec();
        ExperimentSpec same = SpecLoader.load(base.file(), List.of("train.lr=1.0e-3", "model.init_scale=2.0e-2"));
        assertEquals(plan(base).keys(), plan(same).keys());
    }

    private static RunPlan plan(ExperimentSpec spec) {
        return RunPlan.of(spec, PIPELINE, StageRegistry.of(STAGES), null);
    }

    private static Map<String, String> paramHashes(ExperimentSpec spec) {
        Map<String, String> out = new TreeMap<>();
        for (Stage<?> s : STAGES) out.put(s.name(), StageParams.hash(s.params(spec)));
        return out;
    }

    /** A synthetic spec with every default: each key then has a value to move away from. */
    private static ExperimentSpec baseSpec() throws Exception {
        Path dir = Files.createTempDirectory("stage-keys");
        Path f = dir.resolve("base.yaml");
        Files.writeString(f, "name: base\ndata: {source: synthetic, min_block_len: 0}\ntokenizer: {kind: none}\n"
                .replace(", min_block_len: 0", ""));
        return SpecLoader.load(f);
    }

    /** A valid value of the key's type other than the current one. */
    private static Object mutated(SpecSchema.Key key, Map<String, Object> tree) {
        Object now = SpecLoader.get(tree, key.path());
        if (!key.allowed().isEmpty()) {
            return key.allowed().stream().filter(v -> !v.equals(now)).findFirst().orElseThrow();
        }
        return switch (key.type()) {
            case BOOL -> !(Boolean) now;
            case INT, LONG -> (Long) now + 1;
            case DOUBLE -> (Double) now > 0 ? (Double) now * 0.5 : 0.5;
            case STRING -> now + "x";
            case STRING_LIST -> List.of("a mutated prompt");
            case SECTION -> throw new IllegalArgumentException(key.path());
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> with(Map<String, Object> tree, String path, Object value) {
        Map<String, Object> copy = new TreeMap<>(tree);
        int dot = path.indexOf('.');
        if (dot < 0) {
            copy.put(path, value);
        } else {
            String head = path.substring(0, dot);
            copy.put(head, with((Map<String, Object>) tree.get(head), path.substring(dot + 1), value));
        }
        return copy;
    }
}
