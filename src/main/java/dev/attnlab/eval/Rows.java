package dev.attnlab.eval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/** Rows of token ids as model inputs and next-token targets. */
public final class Rows {

    private Rows() {
    }

    /** Token ids [batch][pos] as a LONG array for {@code HookedModel.run}. */
    public static INDArray tokens(int[][] rows) {
        long[][] l = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            l[i] = Arrays.stream(rows[i]).asLongStream().toArray();
        }
        return Nd4j.createFromArray(l);
    }

    /** Every row without its last token (the model's input). */
    public static int[][] inputs(int[][] rows) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = Arrays.copyOf(rows[i], rows[i].length - 1);
        }
        return out;
    }

    /** Every row without its first token (what each input position predicts). */
    public static int[][] targets(int[][] rows) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = Arrays.copyOfRange(rows[i], 1, rows[i].length);
        }
        return out;
    }

    /** Logits per forward pass kept below this many floats (128 MB), whatever the batch size. */
    public static final long LOGITS_BUDGET = 1L << 25;

    /**
     * How many rows of {@code len} tokens to run at once: at most {@code batch}, and few enough that
     * the [rows, len, vocab] logits fit {@link #LOGITS_BUDGET} (vocab 50,257, n_ctx 80: 8 rows).
     */
    public static int perForward(int batch, int len, int vocab) {
        long fit = LOGITS_BUDGET / ((long) Math.max(1, len) * vocab);
        return (int) Math.max(1, Math.min(batch, fit));
    }

    /** Rows {@code from..to} of {@code rows}. */
    public static int[][] slice(int[][] rows, int from, int to) {
        return Arrays.copyOfRange(rows, from, Math.min(to, rows.length));
    }
}
