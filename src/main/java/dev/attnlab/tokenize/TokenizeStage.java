package dev.attnlab.tokenize;

import dev.attnlab.io.Hashing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.data.DataDirs;
import dev.attnlab.data.DataException;
import dev.attnlab.data.Downloader;
import dev.attnlab.data.IngestStage;
import dev.attnlab.data.SyntheticSource;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecKey;
import dev.attnlab.spec.TokenizerSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenize stage: turns the ingest stage's {@code SPLIT.jsonl} files into token shards
 * ({@link TokenShardWriter}) plus {@code manifest.json} (see {@link TokenizedData}).
 * <ul>
 *   <li>concat: every document is followed by the end-of-text id (gpt2 50256, bert [SEP] unless the
 *       document already ends with it through special_tokens, none: the reserved id 0), so the split
 *       is one stream the trainer cuts into windows; pad_id = -1.</li>
 *   <li>truncate: documents as they are, one row each; pad_id = the tokenizer's pad (bert [PAD] = 0;
 *       GPT-2 has none, so 50256 — it never occurs inside ordinary-encoded text; none: 0).</li>
 * </ul>
 */
public final class TokenizeStage implements Stage<TokenizeStage.Params> {

    /**
     * The tokenizer section, where vocabulary files are found or fetched to (the data directory and
     * download switch), and the id range synthetic data is checked against.
     */
    public record Params(TokenizerSpec tokenizer, @SpecKey("data.dir") String dataDir,
                         @SpecKey("data.download") boolean download,
                         @SpecKey("data.synthetic.vocab") int syntheticVocab) { }

    @Override public String name() { return "tokenize"; }

    @Override public int version() { return 2; }

    @Override
    public Params params(ExperimentSpec spec) {
        return new Params(spec.tokenizer(), spec.data().dir(), spec.data().download(), spec.data().synthetic().vocab());
    }

    @Override
    public void run(Params params, StageContext ctx) throws Exception {
        TokenizerSpec t = params.tokenizer();
        Path in = ctx.input("ingest");
        readIngestManifest(in, t.kind()); // fail on a kind/source mismatch before fetching any vocabulary
        Tokenizer tok = null;
        if (t.kind() != TokenizerSpec.Kind.NONE) {
            Path dataDir = DataDirs.resolve(params.dataDir());
            tok = Tokenizers.load(t.kind().value(), t.vocab(), t.specialTokens(), dataDir,
                    Downloader.fromEnvironment(params.download(), ctx.progress(), ctx.log()));
        }
        long t0 = System.nanoTime();
        Map<String, Object> manifest = tokenize(in, ctx.outputDir(), t, params.syntheticVocab(), tok, ctx.progress());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long tokens = 0;
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> splits = (Map<String, Map<String, Object>>) manifest.get("splits");
        for (Map.Entry<String, Map<String, Object>> e : splits.entrySet()) {
            long n = (Long) e.getValue().get("tokens");
            tokens += n;
            ctx.tracker().logMetric("tokenize/tokens_" + e.getKey(), n, 0);
        }
        ctx.tracker().logMetric("tokenize/tokens_per_s", tokens / Math.max(seconds, 1e-9), 0);
        dev.attnlab.tracking.TrackingMeters.tokens("tokenize").increment(tokens);
        ctx.tracker().logArtifact(ctx.outputDir().resolve(TokenizedData.MANIFEST), "tokenize");
        ctx.log().info(String.format("tokenize: %s, %,d tokens in %.1f s (%,.0f tokens/s), vocab %d",
                t.kind().value(), tokens, seconds, tokens / Math.max(seconds, 1e-9), (Integer) manifest.get("vocab_size")));
    }

    /** The ingest manifest, checked against the tokenizer kind (ids need none, text needs a real tokenizer). */
    private static JsonNode readIngestManifest(Path in, TokenizerSpec.Kind kind) throws IOException {
        Path ingestManifest = in.resolve("manifest.json");
        if (!Files.isRegularFile(ingestManifest)) throw new IOException(in + " is not an ingest output (no manifest.json)");
        JsonNode im = new ObjectMapper().readTree(ingestManifest.toFile());
        boolean ids = "ids".equals(im.path("kind").asText());
        boolean none = kind == TokenizerSpec.Kind.NONE;
        if (ids && !none) {
            throw new DataException("tokenizer.kind: " + kind.value() + ", but data.source: " + im.path("source").asText()
                    + " gives token ids, not text; use tokenizer.kind: none");
        }
        if (!ids && none) {
            throw new DataException("tokenizer.kind: none only suits data.source: synthetic; "
                    + im.path("source").asText() + " gives text, so pick gpt2, bert-base-cased or bert-base-uncased");
        }
        return im;
    }

    /** Tokenizes every split file of {@code in} into {@code out}; {@code tok} is null for kind none. */
    public static Map<String, Object> tokenize(Path in, Path out, TokenizerSpec t, int syntheticVocab,
                                               Tokenizer tok, Progress progress) throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode im = readIngestManifest(in, t.kind());
        boolean none = t.kind() == TokenizerSpec.Kind.NONE;
        boolean concat = t.packing() == TokenizerSpec.Packing.CONCAT;
        int vocab = none ? syntheticVocab : tok.vocabSize();
        int eot = none ? SyntheticSource.RESERVED_ID : tok.eotId();
        int pad = concat ? -1 : none ? SyntheticSource.RESERVED_ID : tok.padId();
        boolean wide = TokenShardWriter.needsWide(vocab);
        boolean endsWithEot = tok instanceof BertTokenizer b && b.specialTokens();
        JsonNode counts = im.path("counts");

        Map<String, Object> splits = new LinkedHashMap<>();
        IntList buf = new IntList(1 << 12);
        for (String split : IngestStage.SPLITS) {
            Path file = in.resolve(split + ".jsonl");
            if (!Files.isRegularFile(file)) continue;
            try (TokenShardWriter w = new TokenShardWriter(out, split, wide);
                 JsonParser p = om.getFactory().createParser(file.toFile());
                 Progress.Task task = progress.start("tokenize " + split, counts.path(split).asLong(-1), "docs")) {
                long t0 = System.nanoTime(), tokens = 0;
                long line = 0;
                JsonToken tk;
                while ((tk = p.nextToken()) != null) {
                    line++;
                    if (tk != JsonToken.START_OBJECT) throw new DataException(file + " document " + line + ": not a JSON object");
                    buf.clear();
                    // stream the fields of the object rather than building a tree per document
                    boolean found = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if (none && field.equals("ids") && v == JsonToken.START_ARRAY) {
                            found = true;
                            while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                                int id = p.getIntValue();
                                if (id < 0 || id >= vocab) {
                                    throw new DataException(file + " document " + line + ": id " + id + " outside data.synthetic.vocab " + vocab);
                                }
                                buf.add(id);
                            }
                            if (p.currentToken() != JsonToken.END_ARRAY) {
                                throw new DataException(file + " document " + line + ": 'ids' must be an array of integers");
                            }
                        } else if (!none && field.equals("text") && v == JsonToken.VALUE_STRING) {
                            found = true;
                            tok.encode(p.getText(), buf);
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (!found) {
                        throw new DataException(file + " document " + line + ": no " + (none ? "'ids' array" : "'text' string"));
                    }
                    if (concat && !endsWithEot) buf.add(eot);
                    w.add(buf.array(), buf.size());
                    tokens += buf.size();
                    task.step(1);
                    if ((line & 1023) == 0) {
                        double s = (System.nanoTime() - t0) / 1e9;
                        task.status(String.format("%,.0f tok/s", tokens / Math.max(s, 1e-9)));
                    }
                }
                splits.put(split, IngestStage.ordered("tokens", w.tokens(), "documents", (long) w.documents()));
            }
        }
        if (!splits.containsKey("train")) throw new IOException(in + ": no train.jsonl to tokenize");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenizer", t.kind().value());
        m.put("vocab_size", vocab);
        m.put("wide", wide);
        m.put("eot_id", eot);
        m.put("pad_id", pad);
        m.put("packing", t.packing().value());
        m.put("special_tokens", t.specialTokens());
        m.put("splits", splits);
        Map<String, String> hashes = new LinkedHashMap<>();
        im.path("source_hashes").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
        m.put("source_hashes", hashes);
        m.put("ingest", IngestStage.ordered("source", im.path("source").asText(), "variant", im.path("variant").asText()));
        m.put("tokenizer_hash", none ? Hashing.sha256(("none;vocab=" + vocab).getBytes(StandardCharsets.UTF_8)) : tok.identityHash());
        om.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(TokenizedData.MANIFEST).toFile(), m);
        return m;
    }
}
