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

    public static Result of(INDArray logits, int[][] targets, int padId) {
        if (logits.rank() != 3) {
            throw new IllegalArgumentException("logits must be [batch, pos, vocab]");
        }
        int b = (int) logits.size(0);
        int t = (int) logits.size(1);
        int v = (int) logits.size(2);
        INDArray x = logits.castTo(DataType.FLOAT).reshape(b * t, v);
        INDArray max = x.max(true, 1);
        INDArray shifted = x.subColumnVector(max);
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        long[] argMax = Nd4j.argMax(x, 1).castTo(DataType.LONG).data().asLong();
        float[][] nll = new float[b][t];
        boolean[][] correct = new boolean[b][t];
        for (int bi = 0; bi < b; bi++) {
            for (int p = 0; p < t; p++) {
                int target = targets[bi][p];
                int row = bi * t + p;
                if (padId >= 0 && target == padId) {
                    nll[bi][p] = Float.NaN;
                    continue;
                }
                if (target < 0 || target >= v) {
                    throw new IllegalArgumentException("target token " + target + " outside the model's vocabulary of " + v);
                }
                nll[bi][p] = (float) (logSumExp.getDouble(row, 0) - shifted.getDouble(row, target));
                correct[bi][p] = argMax[row] == target;
            }
        }
        return new Result(nll, correct);
    }
}
