package dev.attnlab.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.data.SequenceWindows;
import dev.attnlab.tokenize.TokenShard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenize stage's output as evaluate and interpret need it: the manifest's fields and each
 * split's rows of n_ctx + 1 tokens. (Reads {@code manifest.json} as the brief specifies it.)
 */
public record TokenizedSplits(Path dir, String tokenizer, int vocabSize, boolean wide, int eotId, int padId,
                              String packing) {

    public static TokenizedSplits open(Path dir) throws IOException {
        Path manifest = dir.resolve("manifest.json");
        if (!Files.exists(manifest)) {
            throw new IOException(manifest + " is missing: the tokenize stage output is incomplete; re-run tokenize");
        }
        JsonNode m = new ObjectMapper().readTree(manifest.toFile());
        return new TokenizedSplits(dir,
                text(m, manifest, "tokenizer"),
                number(m, manifest, "vocab_size"),
                m.path("wide").asBoolean(false),
                m.path("eot_id").asInt(-1),
                m.path("pad_id").asInt(-1),
                m.path("packing").asText("concat"));
    }

    private static String text(JsonNode m, Path file, String key) throws IOException {
        if (!m.hasNonNull(key)) throw new IOException(file + ": key '" + key + "' is missing");
        return m.get(key).asText();
    }

    private static int number(JsonNode m, Path file, String key) throws IOException {
        if (!m.hasNonNull(key) || !m.get(key).canConvertToInt()) {
            throw new IOException(file + ": key '" + key + "' must be an integer");
        }
        return m.get(key).asInt();
    }

    public boolean has(String split) {
        return TokenShard.exists(dir, split);
    }

    public TokenShard shard(String split) throws IOException {
        if (!has(split)) {
            throw new IOException(dir + " has no " + split + ".bin/.idx shard");
        }
        return TokenShard.open(dir, split, wide);
    }

    public SequenceWindows windows(String split, int nCtx) throws IOException {
        return new SequenceWindows(shard(split), packing, nCtx, padId);
    }

    /** Token ids that random-token tasks must not draw (end-of-text and padding). */
    public int[] specialIds() {
        return java.util.stream.IntStream.of(eotId, padId).filter(i -> i >= 0).distinct().toArray();
    }

    /**
     * Up to {@code maxRows} rows (0 = all) spread evenly over the split, so a capped evaluation
     * still sees the whole split rather than its beginning.
     */
    public static int[][] evenlySpacedRows(SequenceWindows w, int maxRows) {
        int total = w.rows();
        int n = maxRows <= 0 ? total : Math.min(maxRows, total);
        int[][] rows = new int[n][w.rowLength()];
        for (int i = 0; i < n; i++) {
            long r = (long) i * total / n;
            w.row((int) r, rows[i], 0);
        }
        return rows;
    }
}
