package dev.attnlab.interpret;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Q-, K- and V-composition scores between a head of an earlier layer (whose OV circuit writes into
 * the residual stream) and a head of a later layer (Elhage et al. 2021), in TransformerLens's
 * row-vector convention (x W): with W_OV = W_V W_O and W_QK = W_Q W_K^T, both [d_model, d_model],
 * <pre>
 *   score(W_A, W_B) = ||W_A W_B||_F / (||W_A||_F ||W_B||_F)
 *   Q: W_A = W_OV(h1), W_B = W_QK(h2)        K: W_A = W_OV(h1), W_B = W_QK(h2)^T
 *   V: W_A = W_OV(h1), W_B = W_OV(h2)
 * </pre>
 * The baseline is the mean score of random Gaussian matrices with the same low-rank shapes
 * ([d_model, d_head] x [d_head, d_model] for each factor), so a score well above it means the
 * heads really read what the earlier head writes.
 */
public final class Composition {

    public enum Kind { Q, K, V }

    public record Score(Kind kind, int layer1, int head1, int layer2, int head2, double score) { }

    public record Table(List<Score> scores, double randomBaseline, double randomStd) { }

    private Composition() {
    }

    public static double score(INDArray wA, INDArray wB) {
        double denom = wA.norm2Number().doubleValue() * wB.norm2Number().doubleValue();
        return denom == 0 ? Double.NaN : wA.mmul(wB).norm2Number().doubleValue() / denom;
    }

    public static INDArray ov(Map<String, INDArray> sd, int layer, int head) {
        return slice(sd, layer, "W_V", head).mmul(slice(sd, layer, "W_O", head));
    }

    public static INDArray qk(Map<String, INDArray> sd, int layer, int head) {
        return slice(sd, layer, "W_Q", head).mmul(slice(sd, layer, "W_K", head).transpose());
    }

    private static INDArray slice(Map<String, INDArray> sd, int layer, String m, int head) {
        INDArray w = sd.get("blocks." + layer + ".attn." + m);
        if (w == null) {
            throw new IllegalArgumentException("state dict has no blocks." + layer + ".attn." + m);
        }
        return w.get(NDArrayIndex.point(head), NDArrayIndex.all(), NDArrayIndex.all()).castTo(DataType.DOUBLE);
    }

    /** Every (earlier head, later head) pair of every composition kind, plus the random baseline. */
    public static Table all(Map<String, INDArray> sd, int nLayers, int nHeads, int dModel, int dHead, long seed) {
        List<Score> out = new ArrayList<>();
        for (int l2 = 1; l2 < nLayers; l2++) {
            for (int h2 = 0; h2 < nHeads; h2++) {
                INDArray qk2 = qk(sd, l2, h2);
                INDArray ov2 = ov(sd, l2, h2);
                for (int l1 = 0; l1 < l2; l1++) {
                    for (int h1 = 0; h1 < nHeads; h1++) {
                        INDArray ov1 = ov(sd, l1, h1);
                        out.add(new Score(Kind.Q, l1, h1, l2, h2, score(ov1, qk2)));
                        out.add(new Score(Kind.K, l1, h1, l2, h2, score(ov1, qk2.transpose())));
                        out.add(new Score(Kind.V, l1, h1, l2, h2, score(ov1, ov2)));
                    }
                }
            }
        }
        double[] base = randomBaseline(dModel, dHead, 64, seed);
        return new Table(out, base[0], base[1]);
    }

    /** Mean and standard deviation of the score of random low-rank matrices of these shapes. */
    public static double[] randomBaseline(int dModel, int dHead, int samples, long seed) {
        Random rng = new Random(seed);
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < samples; i++) {
            INDArray a = gaussian(rng, dModel, dHead).mmul(gaussian(rng, dHead, dModel));
            INDArray b = gaussian(rng, dModel, dHead).mmul(gaussian(rng, dHead, dModel));
            double s = score(a, b);
            sum += s;
            sumSq += s * s;
        }
        double mean = sum / samples;
        return new double[] {mean, Math.sqrt(Math.max(0, sumSq / samples - mean * mean))};
    }

    private static INDArray gaussian(Random rng, int rows, int cols) {
        double[] d = new double[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextGaussian();
        return Nd4j.createFromArray(d).reshape(rows, cols);
    }
}
