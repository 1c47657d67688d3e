package dev.attnlab.eval;

import dev.attnlab.model.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-token cross-entropy and next-token correctness from logits. Position p's logits predict
 * {@code targets[b][p]}; targets equal to {@code padId} (>= 0) are excluded and come out as NaN.
 */
public final class TokenLoss {

    /** nll[b][p] in nats (NaN where excluded) and whether the arg-max logit was the target. */
    public record Result(float[][] nll, boolean[][] correct) {

        /** Sum of nll and the count of scored tokens, optionally restricted by position. */
        public double[] sumAndCount(java.util.function.IntPredicate position) {
            double sum = 0;
            long n = 0;
            for (float[] row : nll) {
                for (int p = 0; p < row.length; p++) {
                    if (!Float.isNaN(row[p]) && position.test(p)) {
                        sum += row[p];
                        n++;
                    }
                }
            }
            return new double[] {sum, n};
        }

        public double mean(java.util.function.IntPredicate position) {
            double[] sc = sumAndCount(position);
            return sc[1] == 0 ? Double.NaN : sc[0] / sc[1];
        }
    }

    private TokenLoss() {
    }

    /**
     * Computes the result from {@code logits} [batch, pos, vocab] and then releases them: one
     * row-parallel pass ({@link Kernels#tokenNll}), so at vocabulary 50,257 no second logits-sized
     * buffer is made (ND4J's exp/sum/argMax reductions took most of the evaluate stage's time).
     * The caller must not use {@code logits} afterwards.
     */
    public static Result of(INDArray logits, int[][] targets, int padId) {
        if (logits.rank() != 3) {
            throw new IllegalArgumentException("logits must be [batch, pos, vocab]");
        }
        int b = (int) logits.size(0);
        int t = (int) logits.size(1);
        int v = (int) logits.size(2);
        INDArray x = Kernels.contiguous(logits.castTo(DataType.FLOAT)).reshape(b * t, v);
        int[] flat = new int[b * t];
        for (int bi = 0; bi < b; bi++) {
            for (int p = 0; p < t; p++) {
                int target = targets[bi][p];
                if (!(padId >= 0 && target == padId) && (target < 0 || target >= v)) {
                    throw new IllegalArgumentException("target token " + target + " outside the model's vocabulary of " + v);
                }
                flat[bi * t + p] = target;
            }
        }
        float[] tokenNll = new float[b * t];
        int[] argMax = new int[b * t];
        Kernels.tokenNll(x, flat, padId, tokenNll, argMax);
        release(logits);
        release(x);
        float[][] nll = new float[b][t];
        boolean[][] correct = new boolean[b][t];
        for (int bi = 0; bi < b; bi++) {
            for (int p = 0; p < t; p++) {
                int row = bi * t + p;
                nll[bi][p] = tokenNll[row];
                correct[bi][p] = !Float.isNaN(tokenNll[row]) && argMax[row] == targets[bi][p];
            }
        }
        return new Result(nll, correct);
    }

    /**
     * Frees an array's native memory now instead of at some later GC. A view (the model's logits are
     * usually a reshape of its [N, V] buffer) frees the buffer it views: only for arrays the caller
     * owns outright, like the logits a forward pass returned.
     */
    public static void release(INDArray a) {
        if (a == null || a.wasClosed()) {
            return;
        }
        if (!a.isView() && a.closeable()) {
            a.close();
            return;
        }
        org.nd4j.linalg.api.buffer.DataBuffer d = a.data();
        if (d != null && !d.wasClosed() && d.closeable()) {
            d.close();
        }
    }
}
