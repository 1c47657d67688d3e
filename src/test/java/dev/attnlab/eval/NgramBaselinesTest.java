package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenShard;
import dev.attnlab.tokenize.TokenShardWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NgramBaselinesTest {

    @TempDir
    Path dir;

    @Test
    void countsMatchHandComputedProbabilities() throws Exception {
        try (TokenShardWriter w = new TokenShardWriter(dir, "train", false)) {
            w.add(new int[] {0, 1, 0, 1});
            w.add(new int[] {0, 2});
        }
        TokenShard shard = TokenShard.open(dir, "train", false);
        int v = 4;
        // within documents: pairs (0,1) x2, (1,0) x1, (0,2) x1
        NgramBaselines within = NgramBaselines.count(shard, v, -1, false);
        assertEquals(Math.log((3 + 1.0) / (6 + 4)), within.unigramLogProb(0), 1e-12);
        double k = NgramBaselines.BIGRAM_K;
        assertEquals(Math.log((2 + k) / (3 + k * v)), within.bigramLogProb(0, 1), 1e-12);
        assertEquals(Math.log((0 + k) / (1 + k * v)), within.bigramLogProb(1, 1), 1e-12);
        // across documents the pair (1, 0) at the boundary is counted too
        NgramBaselines across = NgramBaselines.count(shard, v, -1, true);
        assertEquals(Math.log((2 + k) / (2 + k * v)), across.bigramLogProb(1, 0), 1e-12);

        double[] ce = within.crossEntropy(new int[][] {{0, 1, 0}}, -1);
        assertEquals(-(within.unigramLogProb(1) + within.unigramLogProb(0)) / 2, ce[0], 1e-12);
        assertEquals(-(within.bigramLogProb(0, 1) + within.bigramLogProb(1, 0)) / 2, ce[1], 1e-12);
        assertTrue(ce[1] < ce[0], "bigram must beat unigram on its own training text");
    }
}
