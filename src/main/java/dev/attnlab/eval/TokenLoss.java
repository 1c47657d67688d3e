package dev.attnlab.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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
     * Computes the result from {@code logits} [batch, pos, vocab] and then releases them: the
     * softmax is done in place, so at vocabulary 50,257 no second logits-sized buffer is made.
     * The caller must not use {@code logits} afterwards.
     */
    public static Result of(INDArray logits, int[][] targets, int padId) {
        if (logits.rank() != 3) {
            throw new IllegalArgumentException("logits must be [batch, pos, vocab]");
        }
        int b = (int) logits.size(0);
        int t = (int) logits.size(1);
        int v = (int) logits.size(2);
        INDArray x = logits.dataType() == DataType.FLOAT && logits.ordering() == 'c' ? logits.reshape(b * t, v)
                : logits.castTo(DataType.FLOAT).dup('c').reshape(b * t, v);
        long[] argMax = Nd4j.argMax(x, 1).castTo(DataType.LONG).data().asLong();
        INDArray max = x.max(true, 1);
        x.subiColumnVector(max);
        float[] targetLogit = new float[b * t];
        for (int bi = 0; bi < b; bi++) {
            for (int p = 0; p < t; p++) {
                int target = targets[bi][p];
                if (padId >= 0 && target == padId) continue;
                if (target < 0 || target >= v) {
                    throw new IllegalArgumentException("target token " + target + " outside the model's vocabulary of " + v);
                }
                targetLogit[bi * t + p] = x.getFloat((long) bi * t + p, target);
            }
        }
        float[] logSumExp = Transforms.log(Transforms.exp(x, false).sum(1), false).castTo(DataType.FLOAT).toFloatVector();
        release(logits);
        release(x);
        float[][] nll = new float[b][t];
        boolean[][] correct = new boolean[b][t];
        for (int bi = 0; bi < b; bi++) {
            for (int p = 0; p < t; p++) {
                int row = bi * t + p;
                if (padId >= 0 && targets[bi][p] == padId) {
                    nll[bi][p] = Float.NaN;
                    continue;
                }
                nll[bi][p] = logSumExp[row] - targetLogit[row];
                correct[bi][p] = argMax[row] == targets[bi][p];
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
