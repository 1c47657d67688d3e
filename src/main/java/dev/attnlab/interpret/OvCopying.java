package dev.attnlab.interpret;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The OV copying score of a head (Elhage et al. 2021): eigenvalues of the full OV circuit
 * {@code W_E W_V W_O W_U} [d_vocab, d_vocab]. A head that copies the token it attends to into the
 * logits has mostly positive eigenvalues.
 *
 * <p>The vocabulary-sized matrix is never built: its non-zero eigenvalues equal those of the cyclic
 * permutation {@code W_O (W_U W_E) W_V} [d_head, d_head] (the non-zero eigenvalues of AB and BA
 * coincide), and zero eigenvalues add nothing to either sum below.
 */
public final class OvCopying {

    /**
     * @param positiveShare Σ max(Re λ, 0) / Σ |λ| in [0, 1] — the share of eigenvalue mass that is
     *                      positive (the score reported as "copying")
     * @param elhageRatio   Σ Re λ / Σ |λ| in [-1, 1] (Elhage et al.'s summary; -1 = anti-copying)
     */
    public record Score(double positiveShare, double elhageRatio) { }

    private OvCopying() {
    }

    /** Copying score from a square matrix's eigenvalues; NaN when every eigenvalue is zero. */
    public static Score fromEigenvalues(EigenValues.Result eig) {
        double pos = 0;
        double real = 0;
        double abs = 0;
        for (int i = 0; i < eig.size(); i++) {
            pos += Math.max(eig.re()[i], 0);
            real += eig.re()[i];
            abs += eig.abs(i);
        }
        if (abs == 0) {
            return new Score(Double.NaN, Double.NaN);
        }
        return new Score(pos / abs, real / abs);
    }

    /**
     * @param wUwE {@code W_U W_E} [d_model, d_model] (shared by every head; compute once)
     * @param wV   the head's {@code W_V} [d_model, d_head]
     * @param wO   the head's {@code W_O} [d_head, d_model]
     */
    public static Score of(INDArray wUwE, INDArray wV, INDArray wO) {
        INDArray m = wO.castTo(DataType.DOUBLE).mmul(wUwE.castTo(DataType.DOUBLE)).mmul(wV.castTo(DataType.DOUBLE));
        return fromEigenvalues(EigenValues.of(m.toDoubleMatrix()));
    }

    /** {@code W_U W_E} [d_model, d_model] from the state dict's [d_model, d_vocab] and [d_vocab, d_model]. */
    public static INDArray unembedTimesEmbed(INDArray wU, INDArray wE) {
        return wU.castTo(DataType.DOUBLE).mmul(wE.castTo(DataType.DOUBLE));
    }
}
