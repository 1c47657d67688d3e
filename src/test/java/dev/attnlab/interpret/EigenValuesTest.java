package dev.attnlab.interpret;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EigenValuesTest {

    private static double[] sortedReal(EigenValues.Result r) {
        double[] re = r.re().clone();
        Arrays.sort(re);
        return re;
    }

    @Test
    void upperTriangularGivesItsDiagonal() {
        double[][] a = {{3, 1, 4}, {0, -2, 5}, {0, 0, 7}};
        EigenValues.Result r = EigenValues.of(a);
        double[] re = sortedReal(r);
        assertEquals(-2, re[0], 1e-10);
        assertEquals(3, re[1], 1e-10);
        assertEquals(7, re[2], 1e-10);
        for (double im : r.im()) {
            assertEquals(0, im, 1e-10);
        }
    }

    @Test
    void rotationHasPurelyImaginaryPair() {
        double[][] a = {{0, -1}, {1, 0}};
        EigenValues.Result r = EigenValues.of(a);
        double[] im = r.im().clone();
        Arrays.sort(im);
        assertEquals(-1, im[0], 1e-10);
        assertEquals(1, im[1], 1e-10);
        assertEquals(0, r.re()[0], 1e-10);
        assertEquals(0, r.re()[1], 1e-10);
    }

    @Test
    void companionMatrixOfKnownPolynomial() {
        // (x-1)(x-2)(x-3)(x+4) = x^4 - 2x^3 - 13x^2 + 38x - 24
        double[][] a = {
                {2, 13, -38, 24},
                {1, 0, 0, 0},
                {0, 1, 0, 0},
                {0, 0, 1, 0}};
        double[] re = sortedReal(EigenValues.of(a));
        assertEquals(-4, re[0], 1e-8);
        assertEquals(1, re[1], 1e-8);
        assertEquals(2, re[2], 1e-8);
        assertEquals(3, re[3], 1e-8);
    }

    @Test
    void similarityTransformOfKnownSpectrumIsRecovered() {
        // A = S D S^-1 with D = blockdiag(rot(2 +- 3i), 5, -1, 0.5): non-symmetric, mixed spectrum
        Random rng = new Random(1);
        int n = 5;
        double[][] d = new double[n][n];
        d[0][0] = 2; d[0][1] = -3; d[1][0] = 3; d[1][1] = 2;
        d[2][2] = 5; d[3][3] = -1; d[4][4] = 0.5;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = (i == j ? 2 : 0) + rng.nextGaussian() * 0.5;
            }
        }
        double[][] a = mul(mul(s, d), inverse(s));
        EigenValues.Result r = EigenValues.of(a);
        double[][] expected = {{2, 3}, {2, -3}, {5, 0}, {-1, 0}, {0.5, 0}};
        for (double[] e : expected) {
            double best = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                best = Math.min(best, Math.hypot(r.re()[i] - e[0], r.im()[i] - e[1]));
            }
            assertEquals(0, best, 1e-8, "eigenvalue " + Arrays.toString(e) + " not found");
        }
    }

    @Test
    void randomMatrixSatisfiesTraceInvariants() {
        Random rng = new Random(7);
        int n = 64;
        double[][] a = new double[n][n];
        for (double[] row : a) {
            for (int j = 0; j < n; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        EigenValues.Result r = EigenValues.of(a);
        // sum(lambda) = tr(A), sum(lambda^2) = tr(A^2), imaginary parts cancel
        double tr = 0;
        double tr2 = 0;
        double[][] a2 = mul(a, a);
        for (int i = 0; i < n; i++) {
            tr += a[i][i];
            tr2 += a2[i][i];
        }
        double sumRe = 0;
        double sumIm = 0;
        double sum2Re = 0;
        for (int i = 0; i < n; i++) {
            sumRe += r.re()[i];
            sumIm += r.im()[i];
            sum2Re += r.re()[i] * r.re()[i] - r.im()[i] * r.im()[i];
        }
        assertEquals(tr, sumRe, 1e-8);
        assertEquals(0, sumIm, 1e-8);
        assertEquals(tr2, sum2Re, 1e-6);
    }

    @Test
    void symmetricMatrixMatchesNd4jSymmetricSolver() {
        Random rng = new Random(3);
        int n = 12;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = a[j][i] = rng.nextGaussian();
            }
        }
        org.nd4j.linalg.api.ndarray.INDArray m = org.nd4j.linalg.factory.Nd4j.createFromArray(a);
        double[] expected = org.nd4j.linalg.eigen.Eigen.symmetricGeneralizedEigenvalues(m.dup(), true).toDoubleVector();
        Arrays.sort(expected);
        double[] got = sortedReal(EigenValues.of(a));
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], got[i], 1e-8);
        }
    }

    static double[][] mul(double[][] x, double[][] y) {
        int n = x.length;
        int m = y[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < y.length; k++) {
                for (int j = 0; j < m; j++) {
                    out[i][j] += x[i][k] * y[k][j];
                }
            }
        }
        return out;
    }

    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
            }
            double[] t = m[c]; m[c] = m[p]; m[p] = t;
            double piv = m[c][c];
            for (int j = 0; j < 2 * n; j++) m[c][j] /= piv;
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = m[r][c];
                for (int j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
            }
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) System.arraycopy(m[i], n, out[i], 0, n);
        return out;
    }
}
