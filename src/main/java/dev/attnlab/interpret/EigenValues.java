package dev.attnlab.interpret;

/**
 * Eigenvalues of a small real, not necessarily symmetric, square matrix (ND4J only has a symmetric
 * solver). Householder reduction to upper Hessenberg form, then the shifted QR algorithm in complex
 * arithmetic with Wilkinson shifts and deflation on small subdiagonals. O(n^3); meant for
 * matrices of a few hundred rows at most (OV circuits reduced to d_head x d_head).
 */
public final class EigenValues {

    private static final double EPS = 1e-14;
    private static final int MAX_ITERATIONS_PER_VALUE = 60;

    /** Real and imaginary parts, in no particular order. */
    public record Result(double[] re, double[] im) {
        public int size() {
            return re.length;
        }

        public double abs(int i) {
            return Math.hypot(re[i], im[i]);
        }
    }

    private EigenValues() {
    }

    /** Eigenvalues of {@code a} (row-major, n x n). The input is not modified. */
    public static Result of(double[][] a) {
        int n = a.length;
        for (double[] row : a) {
            if (row.length != n) {
                throw new IllegalArgumentException("eigenvalues need a square matrix, got " + n + " x " + row.length);
            }
        }
        double[][] h = new double[n][];
        for (int i = 0; i < n; i++) {
            h[i] = a[i].clone();
        }
        toHessenberg(h);
        double[][] hr = h;
        double[][] hi = new double[n][n];
        return complexHessenbergQr(hr, hi);
    }

    /** In-place similarity reduction to upper Hessenberg form with Householder reflections. */
    static void toHessenberg(double[][] a) {
        int n = a.length;
        double[] v = new double[n];
        for (int k = 0; k < n - 2; k++) {
            int m = n - k - 1; // length of the column part below the subdiagonal start
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += a[k + 1 + i][k] * a[k + 1 + i][k];
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                continue;
            }
            double alpha = a[k + 1][k] > 0 ? -norm : norm;
            for (int i = 0; i < m; i++) {
                v[i] = a[k + 1 + i][k];
            }
            v[0] -= alpha;
            double vnorm = 0;
            for (int i = 0; i < m; i++) {
                vnorm += v[i] * v[i];
            }
            vnorm = Math.sqrt(vnorm);
            if (vnorm == 0) {
                continue;
            }
            for (int i = 0; i < m; i++) {
                v[i] /= vnorm;
            }
            // A <- (I - 2vv^T) A on rows k+1..n-1
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += v[i] * a[k + 1 + i][j];
                }
                for (int i = 0; i < m; i++) {
                    a[k + 1 + i][j] -= 2 * v[i] * s;
                }
            }
            // A <- A (I - 2vv^T) on columns k+1..n-1
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += a[i][k + 1 + j] * v[j];
                }
                for (int j = 0; j < m; j++) {
                    a[i][k + 1 + j] -= 2 * s * v[j];
                }
            }
        }
    }

    private static Result complexHessenbergQr(double[][] re, double[][] im) {
        int n = re.length;
        double[] outRe = new double[n];
        double[] outIm = new double[n];
        double[] cRe = new double[n];
        double[] cIm = new double[n];
        double[] sRe = new double[n];
        double[] sIm = new double[n];
        int hiIdx = n - 1;
        int iterations = 0;
        while (hiIdx >= 0) {
            // find the start of the active unreduced block
            int lo = hiIdx;
            while (lo > 0) {
                double sub = Math.hypot(re[lo][lo - 1], im[lo][lo - 1]);
                double diag = Math.hypot(re[lo][lo], im[lo][lo]) + Math.hypot(re[lo - 1][lo - 1], im[lo - 1][lo - 1]);
                if (sub <= EPS * diag || sub < Double.MIN_NORMAL) {
                    re[lo][lo - 1] = 0;
                    im[lo][lo - 1] = 0;
                    break;
                }
                lo--;
            }
            if (lo == hiIdx) {
                outRe[hiIdx] = re[hiIdx][hiIdx];
                outIm[hiIdx] = im[hiIdx][hiIdx];
                hiIdx--;
                iterations = 0;
                continue;
            }
            if (++iterations > MAX_ITERATIONS_PER_VALUE) {
                throw new ArithmeticException("QR eigenvalue iteration did not converge (n=" + n + ")");
            }
            // Wilkinson shift: the eigenvalue of the trailing 2x2 block closer to its last diagonal entry
            double muRe;
            double muIm;
            if (iterations % 11 == 10) {
                // exceptional shift to break rare cycles
                muRe = re[hiIdx][hiIdx] + Math.abs(re[hiIdx][hiIdx - 1]);
                muIm = im[hiIdx][hiIdx];
            } else {
                double[] mu = wilkinsonShift(
                        re[hiIdx - 1][hiIdx - 1], im[hiIdx - 1][hiIdx - 1], re[hiIdx - 1][hiIdx], im[hiIdx - 1][hiIdx],
                        re[hiIdx][hiIdx - 1], im[hiIdx][hiIdx - 1], re[hiIdx][hiIdx], im[hiIdx][hiIdx]);
                muRe = mu[0];
                muIm = mu[1];
            }
            for (int i = lo; i <= hiIdx; i++) {
                re[i][i] -= muRe;
                im[i][i] -= muIm;
            }
            // QR: Givens rotations G_k zero the subdiagonal, applied from the left
            for (int k = lo; k < hiIdx; k++) {
                double xr = re[k][k];
                double xi = im[k][k];
                double yr = re[k + 1][k];
                double yi = im[k + 1][k];
                double r = Math.sqrt(xr * xr + xi * xi + yr * yr + yi * yi);
                if (r == 0) {
                    cRe[k] = 1;
                    cIm[k] = 0;
                    sRe[k] = 0;
                    sIm[k] = 0;
                    continue;
                }
                double cr = xr / r;
                double ci = xi / r;
                double sr = yr / r;
                double si = yi / r;
                cRe[k] = cr;
                cIm[k] = ci;
                sRe[k] = sr;
                sIm[k] = si;
                // rows k, k+1: [conj(c) conj(s); -s c] * [a; b]
                for (int j = k; j <= hiIdx; j++) {
                    double ar = re[k][j];
                    double ai = im[k][j];
                    double br = re[k + 1][j];
                    double bi = im[k + 1][j];
                    re[k][j] = cr * ar + ci * ai + sr * br + si * bi;
                    im[k][j] = cr * ai - ci * ar + sr * bi - si * br;
                    re[k + 1][j] = -(sr * ar - si * ai) + (cr * br - ci * bi);
                    im[k + 1][j] = -(sr * ai + si * ar) + (cr * bi + ci * br);
                }
                re[k + 1][k] = 0;
                im[k + 1][k] = 0;
            }
            // RQ: apply each G_k^H = [c -conj(s); s conj(c)] from the right
            for (int k = lo; k < hiIdx; k++) {
                double cr = cRe[k];
                double ci = cIm[k];
                double sr = sRe[k];
                double si = sIm[k];
                int last = Math.min(k + 2, hiIdx);
                for (int i = lo; i <= last; i++) {
                    double ar = re[i][k];
                    double ai = im[i][k];
                    double br = re[i][k + 1];
                    double bi = im[i][k + 1];
                    // a*c + b*s
                    re[i][k] = ar * cr - ai * ci + br * sr - bi * si;
                    im[i][k] = ar * ci + ai * cr + br * si + bi * sr;
                    // -a*conj(s) + b*conj(c)
                    re[i][k + 1] = -(ar * sr + ai * si) + (br * cr + bi * ci);
                    im[i][k + 1] = -(ai * sr - ar * si) + (bi * cr - br * ci);
                }
            }
            for (int i = lo; i <= hiIdx; i++) {
                re[i][i] += muRe;
                im[i][i] += muIm;
            }
        }
        return new Result(outRe, outIm);
    }

    /** Eigenvalue of [[a b][c d]] (complex entries) closest to d. */
    private static double[] wilkinsonShift(double ar, double ai, double br, double bi,
                                           double cr, double ci, double dr, double di) {
        // lambda = (a+d)/2 +- sqrt(((a-d)/2)^2 + bc)
        double hr = (ar - dr) / 2;
        double hi = (ai - di) / 2;
        double discR = hr * hr - hi * hi + (br * cr - bi * ci);
        double discI = 2 * hr * hi + (br * ci + bi * cr);
        double[] root = csqrt(discR, discI);
        double mr = (ar + dr) / 2;
        double mi = (ai + di) / 2;
        double l1r = mr + root[0];
        double l1i = mi + root[1];
        double l2r = mr - root[0];
        double l2i = mi - root[1];
        double d1 = Math.hypot(l1r - dr, l1i - di);
        double d2 = Math.hypot(l2r - dr, l2i - di);
        return d1 <= d2 ? new double[] {l1r, l1i} : new double[] {l2r, l2i};
    }

    private static double[] csqrt(double x, double y) {
        double m = Math.hypot(x, y);
        double r = Math.sqrt((m + x) / 2);
        double i = Math.sqrt(Math.max(0, (m - x) / 2));
        return new double[] {r, y < 0 ? -i : i};
    }
}
