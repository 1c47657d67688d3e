package dev.attnlab.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.DataSpec;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.io.Hashing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The ingest stage: reads the {@code data} section's source and writes {@code train.jsonl},
 * {@code val.jsonl}, {@code test.jsonl} (one {@code {"text", "label"?}} or {@code {"ids", "prefix"}}
 * object per line) and {@code manifest.json}. Splits follow {@link SplitPlan}'s rule.
 */
public final class IngestStage implements Stage<IngestStage.Params> {

    /** The data section and the seed that splits and generates it. */
    public record Params(DataSpec data, long seed) { }

    public static final List<String> SPLITS = List.of("train", "val", "test");

    @Override public String name() { return "ingest"; }

    @Override public int version() { return 1; }

    @Override
    public Params params(ExperimentSpec spec) {
        return new Params(spec.data(), spec.seed());
    }

    @Override
    public void run(Params params, StageContext ctx) throws Exception {
        DataSpec d = params.data();
        long seed = params.seed();
        Path dataDir = DataDirs.resolve(d.dir());
        Downloader dl = Downloader.fromEnvironment(d.download(), ctx.progress(), ctx.log());
        DocumentSource src = DocumentSources.open(d, seed, dataDir, dl);
        Map<String, Object> manifest = ingest(src, d, seed, ctx.outputDir(), ctx.progress());
        src.warnings().forEach(ctx.log()::warn);
        ctx.log().info("ingest: " + src.name() + " (" + src.variant() + ") → " + manifest.get("counts"));
        @SuppressWarnings("unchecked")
        Map<String, Long> counts = (Map<String, Long>) manifest.get("counts");
        counts.forEach((split, n) -> ctx.tracker().logMetric("ingest/documents_" + split, n, 0));
        ctx.tracker().logArtifact(ctx.outputDir().resolve("manifest.json"), "ingest");
    }

    /** Writes the split files and manifest for {@code src} into {@code out}; returns the manifest. */
    public static Map<String, Object> ingest(DocumentSource src, DataSpec d, long seed, Path out, Progress progress)
            throws IOException {
        List<String> own = src.splits();
        boolean synthetic = src instanceof SyntheticSource;
        boolean holdOutVal = !synthetic && (!own.contains("val") || d.split() == DataSpec.Split.FRACTION);
        boolean holdOutTest = !synthetic && !own.contains("test");
        Preprocessor pre = new Preprocessor(d.preprocess());
        long cap = d.maxDocuments() > 0 ? d.maxDocuments() : Long.MAX_VALUE;
        SplitPlan plan = null;
        if (holdOutVal || holdOutTest) {
            long[] n = {0};
            readCapped(src, "train", cap, pre, doc -> n[0]++);
            plan = new SplitPlan(Math.toIntExact(n[0]), d.valFraction(), holdOutTest, seed, describe(src));
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, SplitWriter> writers = new LinkedHashMap<>();
        try {
            for (String s : SPLITS) writers.put(s, new SplitWriter(out.resolve(s + ".jsonl")));
            for (String split : own) {
                if (split.equals("val") && holdOutVal) continue; // the dataset's own val is replaced by the held-out one
                SplitPlan p = split.equals("train") ? plan : null;
                int[] index = {0};
                try (Progress.Task task = progress.start("ingest " + split, -1, "docs")) {
                    readCapped(src, split, cap, pre, doc -> {
                        String to = split;
                        if (p != null) {
                            byte a = p.of(index[0]++);
                            to = a == SplitPlan.VAL ? "val" : a == SplitPlan.TEST ? "test" : "train";
                        }
                        writers.get(to).write(doc);
                        task.step(1);
                    });
                }
            }
        } finally {
            for (SplitWriter w : writers.values()) w.close();
        }
        for (String s : SPLITS) {
            SplitWriter w = writers.get(s);
            if (w.count == 0 && !s.equals("train")) {
                Files.delete(w.file); // a source without that split (test is optional)
            } else {
                counts.put(s, w.count);
            }
        }
        if (counts.getOrDefault("train", 0L) == 0) {
            throw new DataException("data (" + src.name() + "): no training documents were read from " + src.files());
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("source", src.name());
        manifest.put("variant", src.variant());
        manifest.put("kind", synthetic ? "ids" : "text");
        manifest.put("seed", seed);
        manifest.put("split", d.split());
        manifest.put("split_rule", synthetic ? "synthetic: separately seeded train/val/test streams"
                : "val: " + (holdOutVal ? "seeded held-out " + plan.heldOutVal() + " of train (val_fraction " + d.valFraction() + ")"
                : "the dataset's own validation split")
                + "; test: " + (holdOutTest ? "seeded held-out " + plan.heldOutTest() + " of train" : "the dataset's own test split"));
        manifest.put("counts", counts);
        manifest.put("max_documents", d.maxDocuments());
        manifest.put("max_lines", d.maxLines());
        manifest.put("preprocess", ordered("lowercase", d.preprocess().lowercase(), "strip_br", d.preprocess().stripBr(),
                "space_before_punct", d.preprocess().spaceBeforePunct()));
        if (synthetic) {
            DataSpec.Synthetic s = d.synthetic();
            manifest.put("synthetic", ordered("vocab", s.vocab(), "min_block_len", s.minBlockLen(), "block_len", s.blockLen(), "repeats", s.repeats(),
                    "max_prefix", s.maxPrefix(), "reserved_id", SyntheticSource.RESERVED_ID));
        }
        manifest.put("source_hashes", hashes(src.files()));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("manifest.json").toFile(), manifest);
        return manifest;
    }

    /** "data (text: /path/file.csv)": the source and the files read, for messages about what was read. */
    private static String describe(DocumentSource src) {
        List<String> files = src.files().stream().map(Path::toString).toList();
        return "data (" + src.name() + (files.isEmpty() ? "" : ": " + String.join(", ", files)) + ")";
    }

        /** A map in the given key order (Map.of's order changes from one JVM run to the next; manifests must not). */
    public static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** Reads a split's first {@code cap} documents (after preprocessing; blank texts dropped). */
    private static void readCapped(DocumentSource src, String split, long cap, Preprocessor pre, Consumer<Document> sink)
            throws IOException {
        long[] n = {0};
        try {
            src.read(split, doc -> {
                if (n[0] >= cap) return;
                Document d = doc;
                if (d.isText() && !pre.isIdentity()) {
                    String t = pre.apply(d.text());
                    if (t.isBlank()) return;
                    d = Document.text(t, d.label());
                }
                n[0]++;
                sink.accept(d);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** sha256 per file; a folder's hash covers its sorted relative paths and their files' bytes. */
    static Map<String, String> hashes(List<Path> files) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (Path f : files) {
            String key = f.getParent() == null ? f.toString() : f.getParent().getFileName() + "/" + f.getFileName();
            if (Files.isDirectory(f)) {
                MessageDigest md = Hashing.sha256();
                List<Path> all;
                try (Stream<Path> s = Files.walk(f)) {
                    all = new ArrayList<>(s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList());
                }
                for (Path p : all) {
                    md.update(f.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(Files.readAllBytes(p));
                }
                out.put(key + "/", HexFormat.of().formatHex(md.digest()));
            } else if (Files.isRegularFile(f)) {
                out.put(key, Hashing.sha256(f));
            }
        }
        return out;
    }

    /** One split's JSON-lines file. */
    private static final class SplitWriter implements AutoCloseable {
        final Path file;
        final JsonGenerator gen;
        long count;

        SplitWriter(Path file) throws IOException {
            this.file = file;
            this.gen = new ObjectMapper().getFactory().createGenerator(file.toFile(), JsonEncoding.UTF8);
            gen.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
        }

        void write(Document d) {
            try {
                gen.writeStartObject();
                if (d.isText()) {
                    gen.writeStringField("text", d.text());
                    if (d.label() != null) gen.writeStringField("label", d.label());
                } else {
                    gen.writeFieldName("ids");
                    gen.writeArray(d.ids(), 0, d.ids().length);
                    gen.writeNumberField("prefix", d.prefix());
                }
                gen.writeEndObject();
                count++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            if (count > 0) gen.writeRaw('\n');
            gen.close();
        }
    }
}
