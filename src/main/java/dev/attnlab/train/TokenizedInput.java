package dev.attnlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.data.SequenceWindows;
import dev.attnlab.tokenize.TokenShard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the trainer needs from the tokenize stage's output: vocabulary size, pad id, packing and
 * per-split windows. Reads manifest.json and the shards directly; once tokenize.TokenizedData is
 * on main this becomes a thin call to {@code TokenizedData.open(dir).windows(split, nCtx)}.
 */
record TokenizedInput(Path dir, int vocabSize, boolean wide, int padId, String packing) {

    static TokenizedInput open(Path dir) throws IOException {
        Path manifest = dir.resolve("manifest.json");
        if (!Files.exists(manifest)) {
            throw new IOException(manifest + " is missing: the tokenize stage did not finish (rerun it)");
        }
        JsonNode m = new ObjectMapper().readTree(manifest.toFile());
        for (String key : new String[]{"vocab_size", "wide", "pad_id", "packing"}) {
            if (!m.has(key)) throw new IOException(manifest + ": key '" + key + "' is missing (rerun the tokenize stage)");
        }
        return new TokenizedInput(dir, m.get("vocab_size").asInt(), m.get("wide").asBoolean(),
                m.get("pad_id").asInt(), m.get("packing").asText());
    }

    boolean has(String split) {
        return TokenShard.exists(dir, split);
    }

    SequenceWindows windows(String split, int nCtx) throws IOException {
        return new SequenceWindows(TokenShard.open(dir, split, wide), packing, nCtx, padId);
    }
}
