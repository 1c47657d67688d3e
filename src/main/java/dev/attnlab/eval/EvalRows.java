package dev.attnlab.eval;

import dev.attnlab.data.SequenceWindows;
import dev.attnlab.tokenize.TokenizedData;

import java.util.stream.IntStream;

/** Which rows and token ids evaluation and interpretation draw from a tokenize output. */
public final class EvalRows {

    private EvalRows() {
    }

    /**
     * Up to {@code maxRows} rows (0 = all) spread evenly over the split, so a capped evaluation
     * still sees the whole split rather than its beginning.
     */
    public static int[][] evenlySpaced(SequenceWindows w, int maxRows) {
        int total = w.rows();
        int n = maxRows <= 0 ? total : Math.min(maxRows, total);
        int[][] rows = new int[n][w.rowLength()];
        for (int i = 0; i < n; i++) {
            long r = (long) i * total / n;
            w.row((int) r, rows[i], 0);
        }
        return rows;
    }

    /** Token ids that random-token tasks must not draw (end-of-text and padding). */
    public static int[] specialIds(TokenizedData data) {
        return IntStream.of(data.eotId(), data.padId()).filter(i -> i >= 0).distinct().toArray();
    }
}
