package dev.attnlab.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.data.SequenceWindows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tokenize stage's output, opened for reading: the manifest's fields, each split's memory-mapped
 * {@link TokenShard}, and training rows via {@link #windows(String, int)}.
 */
public final class TokenizedData {

    public static final String MANIFEST = "manifest.json";

    /** Token and document counts of one split. */
    public record SplitInfo(long tokens, long documents) { }

    private final Path dir;
    private final String tokenizer;
    private final int vocabSize;
    private final boolean wide;
    private final int eotId;
    private final int padId;
    private final String packing;
    private final Map<String, SplitInfo> splits;
    private final Map<String, String> sourceHashes;
    private final String tokenizerHash;

    private TokenizedData(Path dir, JsonNode m) throws IOException {
        this.dir = dir;
        this.tokenizer = text(m, "tokenizer");
        this.vocabSize = m.path("vocab_size").asInt(-1);
        this.wide = m.path("wide").asBoolean();
        this.eotId = m.path("eot_id").asInt(-1);
        this.padId = m.path("pad_id").asInt(-1);
        this.packing = text(m, "packing");
        if (vocabSize <= 0) throw new IOException(dir.resolve(MANIFEST) + ": vocab_size missing or not positive");
        Map<String, SplitInfo> s = new LinkedHashMap<>();
        m.path("splits").fields().forEachRemaining(e ->
                s.put(e.getKey(), new SplitInfo(e.getValue().path("tokens").asLong(), e.getValue().path("documents").asLong())));
        this.splits = Collections.unmodifiableMap(s);
        Map<String, String> h = new TreeMap<>();
        m.path("source_hashes").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
        this.sourceHashes = Collections.unmodifiableMap(h);
        this.tokenizerHash = m.path("tokenizer_hash").asText("");
    }

    private String text(JsonNode m, String key) throws IOException {
        JsonNode v = m.get(key);
        if (v == null || !v.isTextual()) throw new IOException(dir.resolve(MANIFEST) + ": missing field '" + key + "'");
        return v.asText();
    }

    /** Opens a tokenize stage output folder. */
    public static TokenizedData open(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new IOException(dir + " is not a tokenize output (no " + MANIFEST + ")");
        }
        return new TokenizedData(dir, new ObjectMapper().readTree(manifest.toFile()));
    }

    public Path dir() { return dir; }

    public String tokenizer() { return tokenizer; }

    public int vocabSize() { return vocabSize; }

    public boolean wide() { return wide; }

    public int eotId() { return eotId; }

    /** The pad id of truncate rows; -1 for concat packing (nothing is padded). */
    public int padId() { return padId; }

    public String packing() { return packing; }

    public Map<String, SplitInfo> splits() { return splits; }

    public boolean has(String split) { return splits.containsKey(split); }

    public Map<String, String> sourceHashes() { return sourceHashes; }

    public String tokenizerHash() { return tokenizerHash; }

    public TokenShard shard(String split) throws IOException {
        if (!has(split)) throw new IOException(dir + ": no split '" + split + "' (has " + splits.keySet() + ")");
        return TokenShard.open(dir, split, wide);
    }

    /** Training rows of {@code nCtx + 1} tokens of a split, cut as the manifest's packing says. */
    public SequenceWindows windows(String split, int nCtx) throws IOException {
        return new SequenceWindows(shard(split), packing, nCtx, padId);
    }
}
