package dev.attnlab.tokenize;

import dev.attnlab.pipeline.StageRuns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.data.DataException;
import dev.attnlab.data.IngestStage;
import dev.attnlab.data.SequenceWindows;
import dev.attnlab.data.Specs;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecChoice;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeStageTest {

    @TempDir
    Path tmp;

    private static Stage stage(String name) {
        for (Stage s : ServiceLoader.load(Stage.class)) if (s.name().equals(name)) return s;
        throw new AssertionError("stage " + name + " not registered");
    }

    private int runs;

    private Path lastIngest;

    /** Runs ingest then tokenize through the registered stages; returns the tokenize output dir. */
    private Path runBoth(ExperimentSpec spec, Map<String, Double> metrics) throws Exception {
        runs++;
        Path ing = Files.createDirectories(tmp.resolve("ingest-" + runs));
        Path tok = Files.createDirectories(tmp.resolve("tokenize-" + runs));
        lastIngest = ing;
        Tracker rec = new Tracker() {
            @Override public void logParams(Map<String, String> p) { }
            @Override public void logMetric(String k, double v, long step) { metrics.put(k, v); }
            @Override public void setTag(String k, String v) { }
            @Override public void logArtifact(Path f, String dir) { assertTrue(Files.exists(f)); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        StageRuns.run(stage("ingest"), spec, key -> Specs.context(key, Map.of(), ing, rec));
        StageRuns.run(stage("tokenize"), spec, key -> Specs.context(key, Map.of("ingest", ing), tok, rec));
        return tok;
    }

    @Test
    void syntheticIdsPassThroughWithTheReservedSeparator() throws Exception {
        Specs.Data b = new Specs.Data("synthetic");
        b.synthetic = new DataSpec.Synthetic(100, 4, 2, 3, 50, 5, 5);
        Map<String, Double> metrics = new HashMap<>();
        Path out = runBoth(Specs.experiment(b.build(), Specs.tokenizer("none", "concat"), 9), metrics);
        TokenizedData td = TokenizedData.open(out);
        assertEquals("none", td.tokenizer());
        assertEquals(100, td.vocabSize());
        assertFalse(td.wide());
        assertEquals(0, td.eotId());
        assertEquals(-1, td.padId());
        assertEquals(List.of("train", "val", "test"), new ArrayList<>(td.splits().keySet()));
        TokenShard train = td.shard("train");
        assertEquals(50, train.documentCount());
        // each document is prefix + 2 × block + separator 0, and the repeat holds inside the shard
        for (int doc = 0; doc < train.documentCount(); doc++) {
            int len = train.documentLength(doc);
            long start = train.documentStart(doc);
            assertEquals(0, train.token(start + len - 1));
            int prefix = len - 1 - 8;
            assertTrue(prefix >= 0 && prefix <= 3);
            for (int k = 0; k < 4; k++) assertEquals(train.token(start + prefix + k), train.token(start + prefix + 4 + k));
        }
        SequenceWindows w = td.windows("train", 8);
        assertEquals(train.tokenCount() / 9, w.rows());
        assertTrue(metrics.get("tokenize/tokens_per_s") > 0);
        assertEquals((double) train.tokenCount(), metrics.get("tokenize/tokens_train"));
    }

    @Test
    void gpt2ConcatOnImdbMatchesTheTokenizerAndJoinsWithEndOfText() throws Exception {
        Path shared = SharedData.dir();
        Specs.Data b = new Specs.Data("imdb");
        b.dir = shared.toString();
        b.maxDocuments = 60;
        b.download = false;
        Path out = runBoth(Specs.experiment(b.build(), Specs.tokenizer("gpt2", "concat"), 0), new HashMap<>());
        TokenizedData td = TokenizedData.open(out);
        assertEquals(50257, td.vocabSize());
        assertFalse(td.wide(), "50,257 ids fit uint16");
        assertEquals(50256, td.eotId());
        assertEquals(-1, td.padId());
        assertEquals("3786cc8d5328f806486c37933ef9f305f0a14d0f040c41560909fe94bbec0444", td.sourceHashes().get("imdb/train.csv"));
        TokenShard test = td.shard("test");
        assertEquals(60, test.documentCount());
        // document 0 of test = ids of the first test review + 50256
        Gpt2Tokenizer tok = Gpt2Tokenizer.load(shared.resolve("gpt2"));
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(lastIngest.resolve("test.jsonl")).get(0));
        int[] want = tok.encode(first.get("text").asText());
        assertEquals(want.length + 1, test.documentLength(0));
        for (int k = 0; k < want.length; k++) assertEquals(want[k], test.token(k));
        assertEquals(50256, test.token(want.length));
        assertEquals(td.splits().get("test").tokens(), test.tokenCount());
    }

    @Test
    void bertTruncatePadsWithPadAndKeepsDocumentsApart() throws Exception {
        Path shared = SharedData.dir();
        Files.writeString(tmp.resolve("docs.txt"), "Hello world!\nA second, longer document here.\n".repeat(20));
        Specs.Data b = new Specs.Data("text");
        b.path = tmp.resolve("docs.txt").toString();
        b.dir = shared.toString();
        b.download = false;
        ExperimentSpec spec = Specs.experiment(b.build(), new TokenizerSpec(SpecChoice.of(TokenizerSpec.Kind.class, "bert-base-uncased"), "", TokenizerSpec.Packing.TRUNCATE, true), 0);
        TokenizedData td = TokenizedData.open(runBoth(spec, new HashMap<>()));
        assertEquals(30522, td.vocabSize());
        assertEquals(0, td.padId());
        assertEquals(102, td.eotId());
        TokenShard tr = td.shard("train");
        int hello = -1;
        for (int d = 0; d < tr.documentCount(); d++) if (tr.documentLength(d) == 5) hello = d;
        assertTrue(hello >= 0, "[CLS] hello world ! [SEP] is a 5-token document");
        long s = tr.documentStart(hello);
        assertArrayEquals(new int[]{101, 7592, 2088, 999, 102},
                new int[]{tr.token(s), tr.token(s + 1), tr.token(s + 2), tr.token(s + 3), tr.token(s + 4)});
        SequenceWindows w = td.windows("train", 8);
        assertEquals(tr.documentCount(), w.rows());
        int[] row = new int[9];
        for (int r = 0; r < w.rows(); r++) {
            w.row(r, row, 0);
            if (row[1] == 7592) {
                assertArrayEquals(new int[]{101, 7592, 2088, 999, 102, 0, 0, 0, 0}, row);
                return;
            }
        }
        fail("no row for the hello-world document");
    }

    @Test
    void mismatchedKindAndSourceIsAClearError() throws Exception {
        Specs.Data b = new Specs.Data("synthetic");
        DataException e = assertThrows(DataException.class,
                () -> runBoth(Specs.experiment(b.build(), new TokenizerSpec(SpecChoice.of(TokenizerSpec.Kind.class, "gpt2"), tmp.toString(), TokenizerSpec.Packing.CONCAT, false), 0), new HashMap<>()));
        assertTrue(e.getMessage().contains("tokenizer.kind: gpt2") && e.getMessage().contains("use tokenizer.kind: none"),
                e.getMessage());
        Files.writeString(tmp.resolve("t.txt"), "a\nb\nc\nd\ne\nf\ng\nh\n");
        Specs.Data t = new Specs.Data("text");
        t.path = tmp.resolve("t.txt").toString();
        t.valFraction = 0.1;
        e = assertThrows(DataException.class,
                () -> runBoth(Specs.experiment(t.build(), Specs.tokenizer("none", "concat"), 0), new HashMap<>()));
        assertTrue(e.getMessage().contains("tokenizer.kind: none"), e.getMessage());
    }

    @Test
    void wideShardsForLargeVocabularies() throws Exception {
        Specs.Data b = new Specs.Data("synthetic");
        b.synthetic = new DataSpec.Synthetic(70_000, 4, 2, 0, 20, 2, 2);
        TokenizedData td = TokenizedData.open(runBoth(Specs.experiment(b.build(), Specs.tokenizer("none", "truncate"), 1), new HashMap<>()));
        assertTrue(td.wide());
        assertEquals(0, td.padId());
        TokenShard tr = td.shard("train");
        assertEquals(20 * 8, tr.tokenCount(), "truncate adds no separator");
        boolean above = false;
        for (long i = 0; i < tr.tokenCount(); i++) above |= tr.token(i) > 65535;
        assertTrue(above, "ids above 65535 survive the int32 shard");
    }

    @Test
    void malformedIngestFilesNameTheFileAndDocument() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("bad-ingest"));
        Files.writeString(in.resolve("manifest.json"), "{\"source\": \"synthetic\", \"kind\": \"ids\", \"counts\": {}}");
        Files.writeString(in.resolve("train.jsonl"), "{\"ids\": [1, 2]}\n{\"ids\": [3, 1000]}\n");
        DataSpec.Synthetic syn = new DataSpec.Synthetic(1000, 4, 2, 0, 2, 0, 0);
        Path out = Files.createDirectories(tmp.resolve("bad-out"));
        DataException e = assertThrows(DataException.class, () -> TokenizeStage.tokenize(in, out,
                Specs.tokenizer("none", "concat"), syn.vocab(), null, dev.attnlab.pipeline.Progress.NONE));
        assertTrue(e.getMessage().contains("train.jsonl document 2") && e.getMessage().contains("1000"), e.getMessage());
        Files.writeString(in.resolve("manifest.json"), "{\"source\": \"text\", \"kind\": \"text\", \"counts\": {}}");
        Files.writeString(in.resolve("train.jsonl"), "{\"text\": \"fine\"}\n{\"body\": \"no text field\"}\n");
        Tokenizer tok = Gpt2Tokenizer.load(SharedData.dir().resolve("gpt2"));
        e = assertThrows(DataException.class, () -> TokenizeStage.tokenize(in, out,
                Specs.tokenizer("gpt2", "concat"), syn.vocab(), tok, dev.attnlab.pipeline.Progress.NONE));
        assertTrue(e.getMessage().contains("train.jsonl document 2: no 'text' string"), e.getMessage());
    }

    @Test
    void ingestSplitNamesAreTheShardNames() {
        assertEquals(List.of("train", "val", "test"), IngestStage.SPLITS);
    }
}
