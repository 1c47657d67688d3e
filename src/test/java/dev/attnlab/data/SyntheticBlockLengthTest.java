package dev.attnlab.data;

import dev.attnlab.spec.DataSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Varying block lengths: every length in range occurs, and each sequence is prefix + block + block. */
class SyntheticBlockLengthTest {

    @Test
    void blockLengthsVaryOverTheWholeRangeAndTheBlockRepeats() throws Exception {
        DataSpec.Synthetic cfg = new DataSpec.Synthetic(64, 6, 16, 2, 5, 400, 10, 10);
        List<int[]> seqs = new ArrayList<>();
        new SyntheticSource(cfg, 7).read("train", d -> {
            seqs.add(d.ids());
        });
        assertEquals(400, seqs.size());
        Set<Integer> lengths = new HashSet<>();
        for (int[] ids : seqs) {
            // The only split into prefix p (0..5) and block b (6..16) with ids = prefix + block + block.
            boolean found = false;
            for (int p = 0; p <= 5 && !found; p++) {
                int b = (ids.length - p) / 2;
                if ((ids.length - p) % 2 != 0 || b < 6 || b > 16) continue;
                boolean repeats = true;
                for (int k = 0; k < b; k++) repeats &= ids[p + k] == ids[p + b + k];
                if (repeats) {
                    lengths.add(b);
                    found = true;
                }
            }
            assertTrue(found, "not prefix + block repeated: length " + ids.length);
        }
        assertEquals(11, lengths.size(), "block lengths seen: " + lengths);
    }

    @Test
    void fixedLengthByDefault() throws Exception {
        DataSpec.Synthetic cfg = new DataSpec.Synthetic(64, 8, 2, 0, 50, 10, 10);
        new SyntheticSource(cfg, 1).read("train", d -> assertEquals(16, d.ids().length));
    }

    @Test
    void minAboveMaxIsAClearError() {
        DataException e = assertThrows(DataException.class,
                () -> new SyntheticSource(new DataSpec.Synthetic(64, 9, 8, 2, 0, 5, 1, 1), 1));
        assertTrue(e.getMessage().contains("data.synthetic.min_block_len"), e.getMessage());
    }
}
