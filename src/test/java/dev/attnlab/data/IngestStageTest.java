package dev.attnlab.data;

import dev.attnlab.pipeline.StageRuns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.tokenize.SharedData;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class IngestStageTest {

    private static final ObjectMapper OM = new ObjectMapper();

    @TempDir
    Path tmp;

    static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!l.isBlank()) out.add(OM.readTree(l));
        return out;
    }

    private Map<String, Object> ingest(DataSpec d, long seed, Path out) throws IOException {
        Files.createDirectories(out);
        DocumentSource src = DocumentSources.open(d, seed, DataDirs.resolve(d.dir()),
                new Downloader(null, d.download(), Progress.NONE, RunLog.STDERR));
        return IngestStage.ingest(src, d, seed, out, Progress.NONE);
    }

    private static Set<String> texts(List<JsonNode> docs) {
        Set<String> s = new HashSet<>();
        for (JsonNode n : docs) s.add(n.get("text").asText());
        return s;
    }

    @Test
    void stageIsRegisteredAndWritesItsOutputs() throws Exception {
        Stage ingest = null;
        for (Stage s : ServiceLoader.load(Stage.class)) if (s.name().equals("ingest")) ingest = s;
        assertNotNull(ingest, "ingest registered in META-INF/services");
        Map<String, Double> metrics = new HashMap<>();
        List<String> artifacts = new ArrayList<>();
        Tracker rec = new Tracker() {
            @Override public void logParams(Map<String, String> p) { }
            @Override public void logMetric(String k, double v, long step) { metrics.put(k, v); }
            @Override public void setTag(String k, String v) { }
            @Override public void logArtifact(Path f, String dir) { artifacts.add(dir + "/" + f.getFileName()); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Path out = Files.createDirectories(tmp.resolve("out"));
        DataSpec d = new Specs.Data("synthetic").build();
        StageRuns.run(ingest, Specs.experiment(d, Specs.tokenizer("none", "concat"), 7), key -> Specs.context(key, Map.of(), out, rec));
        assertEquals(200, lines(out.resolve("train.jsonl")).size());
        assertEquals(20, lines(out.resolve("val.jsonl")).size());
        assertEquals(20, lines(out.resolve("test.jsonl")).size());
        assertEquals(200.0, metrics.get("ingest/documents_train"));
        assertEquals(List.of("ingest/manifest.json"), artifacts);
        JsonNode m = OM.readTree(out.resolve("manifest.json").toFile());
        assertEquals("synthetic", m.get("source").asText());
        assertEquals("ids", m.get("kind").asText());
    }

    @Test
    void syntheticSequencesAreSeededRepeatedBlocksAfterARandomPrefix() throws Exception {
        Specs.Data b = new Specs.Data("synthetic");
        b.synthetic = new DataSpec.Synthetic(50, 6, 3, 5, 300, 10, 10);
        ingest(b.build(), 1, tmp.resolve("a"));
        ingest(b.build(), 1, tmp.resolve("b"));
        ingest(b.build(), 2, tmp.resolve("c"));
        assertEquals(Files.readString(tmp.resolve("a/train.jsonl")), Files.readString(tmp.resolve("b/train.jsonl")), "same seed, same data");
        assertNotEquals(Files.readString(tmp.resolve("a/train.jsonl")), Files.readString(tmp.resolve("c/train.jsonl")), "seed matters");
        assertNotEquals(Files.readString(tmp.resolve("a/train.jsonl")), Files.readString(tmp.resolve("a/val.jsonl")));
        Set<Integer> prefixes = new HashSet<>();
        for (JsonNode n : lines(tmp.resolve("a/train.jsonl"))) {
            int prefix = n.get("prefix").asInt();
            JsonNode ids = n.get("ids");
            prefixes.add(prefix);
            assertTrue(prefix >= 0 && prefix <= 5);
            assertEquals(prefix + 18, ids.size());
            for (int k = 0; k < ids.size(); k++) {
                assertTrue(ids.get(k).asInt() >= 1 && ids.get(k).asInt() < 50, "tokens in 1..vocab-1");
            }
            for (int r = 1; r < 3; r++) {
                for (int k = 0; k < 6; k++) assertEquals(ids.get(prefix + k).asInt(), ids.get(prefix + r * 6 + k).asInt());
            }
        }
        assertEquals(6, prefixes.size(), "every prefix length 0..5 occurs");
    }

    @Test
    void imdbCsvFromSharedDataHoldsOutValFromTrainAndKeepsTest() throws Exception {
        Path shared = SharedData.dir();
        Specs.Data b = new Specs.Data("imdb");
        b.dir = shared.toString();
        b.maxDocuments = 2000;
        b.valFraction = 0.1;
        b.download = false;
        Map<String, Object> m = ingest(b.build(), 3, tmp.resolve("out"));
        List<JsonNode> train = lines(tmp.resolve("out/train.jsonl"));
        List<JsonNode> val = lines(tmp.resolve("out/val.jsonl"));
        List<JsonNode> test = lines(tmp.resolve("out/test.jsonl"));
        assertEquals(1800, train.size());
        assertEquals(200, val.size());
        assertEquals(2000, test.size());
        assertEquals("csv", m.get("variant"));
        Set<String> overlap = texts(train);
        overlap.retainAll(texts(val));
        assertTrue(overlap.isEmpty(), "no val document is in train");
        assertEquals("pos", train.get(0).get("label").asText());
        assertTrue(test.get(0).get("text").asText().startsWith("I went and saw this movie last night"));
        @SuppressWarnings("unchecked")
        Map<String, String> hashes = (Map<String, String>) m.get("source_hashes");
        assertEquals("3786cc8d5328f806486c37933ef9f305f0a14d0f040c41560909fe94bbec0444", hashes.get("imdb/train.csv"));
    }

    @Test
    void imdbFolderLayoutReadsLikeTheCsvLayout() throws Exception {
        Path root = tmp.resolve("data/imdb/aclImdb");
        Path csvDir = Files.createDirectories(tmp.resolve("csvdata/imdb"));
        StringBuilder train = new StringBuilder("review,sentiment\n"), test = new StringBuilder("review,sentiment\n");
        for (String split : List.of("train", "test")) {
            for (String label : List.of("pos", "neg")) Files.createDirectories(root.resolve(split).resolve(label));
            for (int k = 0; k < 12; k++) {
                for (String label : List.of("pos", "neg")) {
                    String text = split + " review " + k + " " + label + ", with \"quotes\"<br /><br />and more.";
                    // names sort differently as strings (10 < 2) than by id: the reader orders by id
                    Files.writeString(root.resolve(split).resolve(label).resolve(k + "_" + (label.equals("pos") ? 8 : 2) + ".txt"), text);
                    (split.equals("train") ? train : test).append('"').append(text.replace("\"", "\"\"")).append("\",")
                            .append(label.equals("pos") ? "positive" : "negative").append('\n');
                }
            }
        }
        Files.writeString(csvDir.resolve("train.csv"), train);
        Files.writeString(csvDir.resolve("test.csv"), test);
        Specs.Data b = new Specs.Data("imdb");
        b.dir = tmp.resolve("data").toString();
        b.download = false;
        Map<String, Object> m = ingest(b.build(), 0, tmp.resolve("folder"));
        assertEquals("folder", m.get("variant"));
        b.dir = tmp.resolve("csvdata").toString();
        ingest(b.build(), 0, tmp.resolve("csv"));
        for (String s : List.of("train.jsonl", "val.jsonl", "test.jsonl")) {
            assertEquals(Files.readString(tmp.resolve("csv").resolve(s)), Files.readString(tmp.resolve("folder").resolve(s)), s);
        }
        List<JsonNode> t = lines(tmp.resolve("folder/test.jsonl"));
        assertEquals(24, t.size());
        assertEquals("test review 0 pos, with \"quotes\"<br /><br />and more.", t.get(0).get("text").asText());
        assertEquals("neg", t.get(1).get("label").asText());
        assertEquals("test review 10 pos, with \"quotes\"<br /><br />and more.", t.get(20).get("text").asText());
    }

    @Test
    void wikitextUsesItsOwnSplitsDropsBlankLinesAndHonoursMaxLines() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/wikitext-2"));
        Files.writeString(dir.resolve("wiki.train.raw"), " \n = Title = \n \n Para one .\n Para two .\n Para three .\n");
        Files.writeString(dir.resolve("wiki.valid.raw"), " \n Valid para .\n");
        Files.writeString(dir.resolve("wiki.test.raw"), " \n Test para .\n \n Test two .\n");
        Specs.Data b = new Specs.Data("wikitext");
        b.dir = tmp.resolve("data").toString();
        b.variant = "wikitext-2";
        b.download = false;
        ingest(b.build(), 0, tmp.resolve("all"));
        assertEquals(List.of(" = Title = ", " Para one .", " Para two .", " Para three ."),
                lines(tmp.resolve("all/train.jsonl")).stream().map(n -> n.get("text").asText()).toList());
        assertEquals(1, lines(tmp.resolve("all/val.jsonl")).size());
        assertEquals(2, lines(tmp.resolve("all/test.jsonl")).size());
        b.maxLines = 4; // physical lines: " ", " = Title = ", " ", " Para one ."
        ingest(b.build(), 0, tmp.resolve("capped"));
        assertEquals(2, lines(tmp.resolve("capped/train.jsonl")).size());
        assertEquals(2, lines(tmp.resolve("capped/test.jsonl")).size(), "max_lines caps train only");
    }

    @Test
    void aMissingTextFileIsNamedWithTheKeyAndTheFix() {
        Specs.Data b = new Specs.Data("text");
        b.path = tmp.resolve("nope.txt").toString();
        DataException e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("out")));
        assertEquals("data.path: " + tmp.resolve("nope.txt") + " does not exist; place the file there, or set data.path to"
                + " the file (a relative path is read from the folder attnlab runs in)", e.getMessage());
    }

    @Test
    void wikitextFromSharedDataTokensNeedsTheMissingTrainFileAndSaysSo() {
        Path shared = SharedData.dir();
        Specs.Data b = new Specs.Data("wikitext");
        b.dir = shared.toString();
        b.variant = "wikitext-2";
        b.format = "tokens";
        b.download = false;
        DataException e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("wiki.train.tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c"), e.getMessage());
        assertTrue(e.getMessage().contains("data.download"), e.getMessage());
    }

    @Test
    void textSourcesTxtCsvJsonlWithHeldOutValAndTest() throws Exception {
        StringBuilder txt = new StringBuilder(), csv = new StringBuilder("id,body\n"), jsonl = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            txt.append("line ").append(i).append("\n").append(i % 10 == 0 ? "\n" : "");
            csv.append(i).append(",\"doc ").append(i).append(", quoted\"\n");
            jsonl.append("{\"body\": \"json ").append(i).append("\", \"x\": 1}\n");
        }
        Files.writeString(tmp.resolve("a.txt"), txt);
        Files.writeString(tmp.resolve("a.csv"), csv);
        Files.writeString(tmp.resolve("a.jsonl"), jsonl);
        for (String f : List.of("a.txt", "a.csv", "a.jsonl")) {
            Specs.Data b = new Specs.Data("text");
            b.path = tmp.resolve(f).toString();
            b.textColumn = "body";
            b.valFraction = 0.1;
            Path out = tmp.resolve("out-" + f);
            ingest(b.build(), 5, out);
            List<JsonNode> tr = lines(out.resolve("train.jsonl")), va = lines(out.resolve("val.jsonl")), te = lines(out.resolve("test.jsonl"));
            assertEquals(80, tr.size(), f);
            assertEquals(10, va.size(), f);
            assertEquals(10, te.size(), f);
            Set<String> all = texts(tr);
            all.addAll(texts(va));
            all.addAll(texts(te));
            assertEquals(100, all.size(), f + ": every document in exactly one split");
        }
        assertEquals("doc 0, quoted", lines(tmp.resolve("out-a.csv/train.jsonl")).get(0).get("text").asText());
    }

    @Test
    void textSourceErrorsNameTheFileAndTheKey() throws Exception {
        Files.writeString(tmp.resolve("a.csv"), "id,body\n1,x\n");
        Files.writeString(tmp.resolve("a.jsonl"), "{\"body\": \"x\"}\nnot json\n");
        Specs.Data b = new Specs.Data("text");
        b.path = tmp.resolve("a.csv").toString();
        DataException e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("o1")));
        assertTrue(e.getMessage().contains("a.csv") && e.getMessage().contains("'text'") && e.getMessage().contains("data.text_column"), e.getMessage());
        b.path = tmp.resolve("a.jsonl").toString();
        b.textColumn = "body";
        e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("o2")));
        assertTrue(e.getMessage().contains("a.jsonl line 2"), e.getMessage());
        Files.writeString(tmp.resolve("bad.csv"), "text\n\"ok\"\n\"unterminated\n");
        b.path = tmp.resolve("bad.csv").toString();
        b.textColumn = "text";
        e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("o4")));
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains("not valid CSV"), e.getMessage());
        b.path = tmp.resolve("missing.txt").toString();
        e = assertThrows(DataException.class, () -> ingest(b.build(), 0, tmp.resolve("o3")));
        assertTrue(e.getMessage().contains("data.path") && e.getMessage().contains("missing.txt"), e.getMessage());
    }

    @Test
    void splitFractionHoldsOutValFromWikiTextTrainAndIsSeeded() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/wikitext-103"));
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 200; i++) train.append(" para ").append(i).append(" .\n");
        Files.writeString(dir.resolve("wiki.train.tokens"), train);
        Files.writeString(dir.resolve("wiki.valid.tokens"), " own valid .\n");
        Files.writeString(dir.resolve("wiki.test.tokens"), " own test .\n");
        Specs.Data b = new Specs.Data("wikitext");
        b.dir = tmp.resolve("data").toString();
        b.format = "tokens";
        b.split = "fraction";
        ingest(b.build(), 11, tmp.resolve("a"));
        ingest(b.build(), 11, tmp.resolve("b"));
        ingest(b.build(), 12, tmp.resolve("c"));
        List<JsonNode> val = lines(tmp.resolve("a/val.jsonl"));
        assertEquals(10, val.size());
        assertFalse(texts(val).contains(" own valid ."));
        assertEquals(Set.of(" own test ."), texts(lines(tmp.resolve("a/test.jsonl"))), "test stays the dataset's own");
        assertEquals(Files.readString(tmp.resolve("a/val.jsonl")), Files.readString(tmp.resolve("b/val.jsonl")));
        assertNotEquals(Files.readString(tmp.resolve("a/val.jsonl")), Files.readString(tmp.resolve("c/val.jsonl")));
        assertEquals(190, lines(tmp.resolve("a/train.jsonl")).size());
    }

    @Test
    void preprocessingIsOffByDefaultAndDoesWhatItSays() throws Exception {
        Preprocessor off = new Preprocessor(new DataSpec.Preprocess(false, false, false));
        assertTrue(off.isIdentity());
        Preprocessor all = new Preprocessor(new DataSpec.Preprocess(true, true, true));
        // each line break becomes one space (two here), then lowercase, then a space before punctuation
        assertEquals("great film .  i loved it ! really , truly end", all.apply("Great film.<br /><br />I loved it! Really, truly<BR/>end"));
        assertEquals("a . b", new Preprocessor(new DataSpec.Preprocess(false, false, true)).apply("a. b"));
        assertEquals("x y", new Preprocessor(new DataSpec.Preprocess(false, true, false)).apply("x<br />y"));
    }

    @Test
    void dataDirResolution() {
        assertEquals(Path.of("/x/y"), DataDirs.resolve("/x/y", Map.of(DataDirs.ENV, "/env")));
        assertEquals(Path.of("/env"), DataDirs.resolve("", Map.of(DataDirs.ENV, "/env")));
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "attnlab", "data"), DataDirs.resolve("", Map.of()));
        assertEquals(Path.of(System.getProperty("user.home"), "d"), DataDirs.resolve("~/d", Map.of()));
    }
}
