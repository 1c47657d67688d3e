package dev.attnlab.train;

import dev.attnlab.model.Transformer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The repeated-token task for tests: a random prefix of random length, then a random block of random
 * length written twice, padded to the row length. Both lengths vary per row, so the distance between
 * the two copies is not fixed and no positional shortcut predicts the second copy: only an induction
 * head (previous-token head + a head that looks for "the token after the last occurrence of mine") can.
 */
final class RepeatedTokens {

    final int vocab;          // ordinary tokens 0..vocab-1; the pad id is vocab
    final int rowLen;
    final int[][] rows;
    final boolean[][] repeated; // repeated[r][i]: target i (token i+1) is a predictable token of the second copy

    RepeatedTokens(int vocab, int rowLen, int minBlock, int maxBlock, int maxPrefix, int n, long seed) {
        this.vocab = vocab;
        this.rowLen = rowLen;
        if (maxPrefix + 2 * maxBlock > rowLen) throw new IllegalArgumentException("rows too short");
        Random r = new Random(seed);
        rows = new int[n][rowLen];
        repeated = new boolean[n][rowLen - 1];
        for (int k = 0; k < n; k++) {
            int prefix = 1 + r.nextInt(maxPrefix);
            int block = minBlock + r.nextInt(maxBlock - minBlock + 1);
            Arrays.fill(rows[k], vocab);
            for (int i = 0; i < prefix; i++) rows[k][i] = r.nextInt(vocab);
            for (int i = 0; i < block; i++) {
                int tok = r.nextInt(vocab);
                rows[k][prefix + i] = tok;
                rows[k][prefix + block + i] = tok;
            }
            // the second copy's first token follows the first copy's last token only here: not predictable
            for (int i = 1; i < block; i++) repeated[k][prefix + block + i - 1] = true;
        }
    }

    int padId() { return vocab; }

    Rows asRows() { return Rows.of(rows); }

    /** Mean loss of {@code model} on the predictable targets of the second copy. */
    double repeatedHalfLoss(Transformer model) {
        int t = rowLen - 1;
        int[][] in = new int[rows.length][t];
        for (int k = 0; k < rows.length; k++) System.arraycopy(rows[k], 0, in[k], 0, t);
        INDArray logits = model.run(Nd4j.createFromArray(in), Set.of()).get("logits");   // [n, t, V]
        double sum = 0;
        long count = 0;
        for (int k = 0; k < rows.length; k++) {
            for (int i = 0; i < t; i++) {
                if (!repeated[k][i]) continue;
                INDArray row = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(k),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all());
                double max = row.maxNumber().doubleValue();
                double lse = max + Math.log(org.nd4j.linalg.ops.transforms.Transforms.exp(row.sub(max), false).sumNumber().doubleValue());
                sum += lse - row.getDouble(rows[k][i + 1]);
                count++;
            }
        }
        return sum / count;
    }
}
