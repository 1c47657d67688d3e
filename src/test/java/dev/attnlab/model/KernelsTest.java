package dev.attnlab.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 kernels (vector API when the JVM has it, as under surefire, else scalar; multi-threaded
 * on large inputs) against the float64 kernels that the gradient check validates.
 */
class KernelsTest {

    static INDArray randn(DataType t, long seed, long... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (long s : shape) n *= (int) s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian() * 3;
        return Nd4j.create(v, shape, t);
    }

    @Test
    void surefireRunsTheVectorPath() {
        assertTrue(Kernels.VECTOR, "surefire's argLine adds --add-modules jdk.incubator.vector");
    }

    @Test
    void crossEntropyFloatMatchesDouble() {
        int n = 300, v = 1003;                          // odd sizes: vector tails; large enough to run in parallel
        int[] targets = new int[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) targets[i] = i % 7 == 0 ? 5 : r.nextInt(v);
        INDArray d = randn(DataType.DOUBLE, 2, n, v), f = d.castTo(DataType.FLOAT);
        for (int threads : new int[]{1, 2}) {
            Kernels.setThreads(threads);
            INDArray dd = d.dup(), ff = f.dup();
            double[] ld = Kernels.crossEntropy(dd, targets, 5, true), lf = Kernels.crossEntropy(ff, targets, 5, true);
            assertEquals(ld[1], lf[1]);
            assertEquals(ld[0], lf[0], 1e-5 * Math.abs(ld[0]));
            assertTrue(dd.castTo(DataType.FLOAT).equalsWithEps(ff, 1e-7), "gradient");
            double[] noGrad = Kernels.crossEntropy(f.dup(), targets, 5, false);
            assertEquals(ld[0], noGrad[0], 1e-5 * Math.abs(ld[0]));
        }
    }

    @Test
    void softmaxFloatMatchesDouble() {
        INDArray d = randn(DataType.DOUBLE, 3, 2000, 37), f = d.castTo(DataType.FLOAT);
        INDArray od = d.like(), of = f.like();
        Kernels.softmaxRows(d, od);
        Kernels.softmaxRows(f, of);
        assertTrue(od.castTo(DataType.FLOAT).equalsWithEps(of, 1e-6));
        assertEquals(2000, od.sumNumber().doubleValue(), 1e-9);
    }

    @Test
    void softmaxBackwardFloatMatchesDouble() {
        INDArray p = randn(DataType.DOUBLE, 8, 3000, 41), g = randn(DataType.DOUBLE, 9, 3000, 41);
        Kernels.softmaxRows(p.dup(), p);
        INDArray pf = p.castTo(DataType.FLOAT), gf = g.castTo(DataType.FLOAT);
        Kernels.softmaxBackward(p, g, 0.25);
        Kernels.softmaxBackward(pf, gf, 0.25);
        assertTrue(g.castTo(DataType.FLOAT).equalsWithEps(gf, 1e-5));
    }

    @Test
    void columnSumsMatchAReductionAlsoOnOffsetViews() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray m = randn(t, 17, 40, 1003);
            INDArray view = m.get(NDArrayIndex.interval(3, 38), NDArrayIndex.all());       // rows 3..37, offset 3·1003
            INDArray sums = Kernels.columnSums(view);
            assertArrayEquals(new long[]{1003}, sums.shape());
            assertTrue(view.dup().sum(0).equalsWithEps(sums, t == DataType.FLOAT ? 1e-4 : 1e-10), t.toString());
        }
    }

    @Test
    void gemmReadsAndWritesOffsetViews() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = randn(t, 12, 7, 3), b = randn(t, 13, 5, 4), c = Nd4j.zeros(t, 6, 4);
            INDArray av = a.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all());     // rows 2..4, offset 6
            INDArray bv = b.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all());     // rows 1..3, offset 4
            INDArray cv = c.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all());     // rows 3..5, offset 12
            Kernels.gemm(av, false, bv, false, cv, 1.0, 0.0);
            INDArray expected = av.dup().mmul(bv.dup());
            assertTrue(expected.equalsWithEps(c.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()), 1e-5), t + ": " + c);
            assertEquals(0.0, c.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()).norm1Number().doubleValue(), 0.0);
        }
    }

    @Test
    void tokenNllMatchesADoubleLogSoftmaxAndSkipsPadding() {
        int n = 300, v = 1003;                          // large enough to run in parallel; odd width for vector tails
        INDArray d = randn(DataType.DOUBLE, 21, n, v).muli(3), f = d.castTo(DataType.FLOAT);
        int[] targets = new int[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) targets[i] = i % 7 == 0 ? 2 : r.nextInt(v);  // 2 is the pad id
        float[] nll = new float[n];
        int[] arg = new int[n];
        int threads = Kernels.threads();
        Kernels.setThreads(2);
        try {
            Kernels.tokenNll(f, targets, 2, nll, arg);
        } finally {
            Kernels.setThreads(threads);
        }
        double[][] z = d.toDoubleMatrix();
        for (int i = 0; i < n; i++) {
            int best = 0;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < v; j++) {
                if ((float) z[i][j] > max) { max = (float) z[i][j]; best = j; }
            }
            for (int j = 0; j < v; j++) sum += Math.exp(z[i][j] - max);
            assertEquals(best, arg[i], "row " + i);
            if (targets[i] == 2) {
                assertTrue(Float.isNaN(nll[i]), "row " + i + " is padding");
            } else {
                assertEquals(Math.log(sum) - (z[i][targets[i]] - max), nll[i], 1e-4, "row " + i);
            }
        }
    }

    @Test
    void rowMaxArgMaxMatchesAScanAndPicksTheFirstOfTies() {
        int rows = 700, cols = 1003;                   // large enough to run in parallel; odd width for vector tails
        INDArray whole = randn(DataType.FLOAT, 11, rows + 3, cols);
        whole.putScalar(new long[]{5, 3}, 100f);        // a tie in row 5 (of the view below): the first wins
        whole.putScalar(new long[]{5, 900}, 100f);
        whole.putScalar(new long[]{6, cols - 1}, 50f);  // the maximum in the scalar tail
        INDArray m = whole.get(NDArrayIndex.interval(2, rows + 2), NDArrayIndex.all()); // offset view, contiguous
        float[] max = new float[rows + 4];
        int[] arg = new int[rows + 4];
        int threads = Kernels.threads();
        Kernels.setThreads(2);                          // surefire runs with OMP_NUM_THREADS=1: exercise the split
        try {
            Kernels.rowMaxArgMax(m, max, arg, 4);
        } finally {
            Kernels.setThreads(threads);
        }
        float[][] v = m.toFloatMatrix();
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) if (v[r][c] > v[r][best]) best = c;
            assertEquals(best, arg[4 + r], "row " + r);
            assertEquals(v[r][best], max[4 + r], 0f, "row " + r);
        }
        assertEquals(3, arg[4 + 3]);                    // whole row 5 = view row 3
        assertEquals(cols - 1, arg[4 + 4]);
        assertEquals(0f, max[0], 0f);                   // entries before `at` untouched
    }

    @Test
    void maskFutureWritesMinusInfinityAboveTheDiagonal() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray s = Nd4j.zeros(t, 2 * 4, 4);                  // two (batch·head) blocks of T = 4
            Kernels.maskFuture(s);
            for (int r = 0; r < 8; r++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(k > r % 4 ? Double.NEGATIVE_INFINITY : 0.0, s.getDouble(r, k), 0.0);
                }
            }
        }
    }

    @Test
    void adamAndSumSquaresFloatMatchDouble() {
        int n = 200_003;
        INDArray pd = randn(DataType.DOUBLE, 4, n), gd = randn(DataType.DOUBLE, 5, n), md = randn(DataType.DOUBLE, 6, n),
                vd = randn(DataType.DOUBLE, 7, n).muli(0).addi(2.0);
        INDArray pf = pd.castTo(DataType.FLOAT), gf = gd.castTo(DataType.FLOAT), mf = md.castTo(DataType.FLOAT), vf = vd.castTo(DataType.FLOAT);
        Kernels.adamw(pd, gd, md, vd, 0.999, 0.5, 0.9, 0.99, 1e-2, 0.3, 1e-8);
        Kernels.adamw(pf, gf, mf, vf, 0.999, 0.5, 0.9, 0.99, 1e-2, 0.3, 1e-8);
        assertTrue(pd.castTo(DataType.FLOAT).equalsWithEps(pf, 1e-5));
        assertTrue(md.castTo(DataType.FLOAT).equalsWithEps(mf, 1e-5));
        assertTrue(vd.castTo(DataType.FLOAT).equalsWithEps(vf, 1e-5));
        assertEquals(Kernels.sumSquares(gd), Kernels.sumSquares(gf), 1e-5 * Kernels.sumSquares(gd));
    }

    @Test
    void causalBandsGiveTheFullProduct() {
        // heads inside wider activations (offset columns, ld > d) as attention uses them
        int B = 2, H = 3, T = 7, d = 4, width = 2 * H * d;
        INDArray acts = randn(DataType.DOUBLE, 11, (long) B * T, width);          // [B·T, width]
        INDArray lower = randn(DataType.DOUBLE, 12, B, H, T, T);                   // lower-triangular [T, T] per head
        for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int i = 0; i < T; i++) for (int j = i + 1; j < T; j++) {
            lower.putScalar(new int[]{b, h, i, j}, 0.0);
        }
        Kernels.Grid a = Kernels.Grid.heads(acts, 1, B, T, H, d), b = Kernels.Grid.heads(acts, H * d, B, T, H, d);
        Kernels.Grid l = Kernels.Grid.squares(lower, H, T);
        for (int bands = 1; bands <= T + 1; bands++) {
            // a·bᵀ: the lower triangle as the full product; whole blocks past a band's end are 0
            INDArray full = Nd4j.create(DataType.DOUBLE, B, H, T, T), banded = Nd4j.valueArrayOf(new long[]{B, H, T, T}, Double.NaN, DataType.DOUBLE);
            Kernels.gemm(B, H, a, false, b, true, Kernels.Grid.squares(full, H, T), 0.5, 0.0);
            Kernels.causalGemm(B, H, Kernels.Causal.LOWER_RESULT, a, b, Kernels.Grid.squares(banded, H, T), 0.5, bands);
            for (int bb = 0; bb < B; bb++) for (int h = 0; h < H; h++) for (int i = 0; i < T; i++) for (int j = 0; j < T; j++) {
                double got = banded.getDouble(bb, h, i, j);
                if (j <= i) assertEquals(full.getDouble(bb, h, i, j), got, 1e-12, "bands " + bands);
                else assertTrue(!Double.isNaN(got), "bands " + bands + ": every entry written");
            }
            // l·b and lᵀ·b: exactly the full products
            for (Kernels.Causal kind : new Kernels.Causal[]{Kernels.Causal.LOWER_LEFT, Kernels.Causal.LOWER_LEFT_T}) {
                boolean t = kind == Kernels.Causal.LOWER_LEFT_T;
                INDArray want = Nd4j.create(DataType.DOUBLE, (long) B * T, H * d), got = Nd4j.create(DataType.DOUBLE, (long) B * T, H * d);
                Kernels.gemm(B, H, l, t, b, false, Kernels.Grid.heads(want, 0, B, T, H, d), 1.0, 0.0);
                Kernels.causalGemm(B, H, kind, l, b, Kernels.Grid.heads(got, 0, B, T, H, d), 1.0, bands);
                assertTrue(want.equalsWithEps(got, 1e-12), kind + " with " + bands + " bands");
            }
        }
    }

    @Test
    void causalSoftmaxAndBackwardMatchTheMaskedOnes() {
        int rows = 3 * 9, T = 9;                              // three [9, 9] score matrices
        for (DataType t : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray scores = randn(t, 21, rows, T);
            INDArray masked = scores.dup();
            Kernels.maskFuture(masked);
            INDArray want = masked.like(), got = Nd4j.valueArrayOf(new long[]{rows, T}, Double.NaN, t);
            Kernels.softmaxRows(masked, want);
            Kernels.softmaxRows(scores, got, true);           // reads the prefix only: no mask needed
            assertTrue(want.equalsWithEps(got, 1e-6), t + " softmax");
            // backward: dP above the diagonal may hold anything (here NaN); the result there is 0
            INDArray dP = randn(t, 22, rows, T), dirty = dP.dup();
            for (int r = 0; r < rows; r++) for (int k = r % T + 1; k < T; k++) dirty.putScalar(r, k, Double.NaN);
            Kernels.softmaxBackward(want, dP, 0.5);
            Kernels.softmaxBackward(want, dirty, 0.5, true);
            assertTrue(dP.equalsWithEps(dirty, 1e-6), t + " softmax backward");
        }
    }

    @Test
    void gemmsSplitAcrossThreadsGiveTheOneThreadResult() {
        // large enough to be split: by rows (m ≥ n), by columns (m < n), and a grid of heads
        int[][] shapes = {{700, 300, 64}, {90, 1100, 80}};
        try {
            for (int[] sh : shapes) {
                int m = sh[0], n = sh[1], k = sh[2];
                for (boolean ta : new boolean[]{false, true}) {
                    for (boolean tb : new boolean[]{false, true}) {
                        INDArray a = ta ? randn(DataType.FLOAT, 31, k, m) : randn(DataType.FLOAT, 31, m, k);
                        INDArray b = tb ? randn(DataType.FLOAT, 32, n, k) : randn(DataType.FLOAT, 32, k, n);
                        Kernels.setThreads(1);
                        INDArray one = Kernels.mm(a, ta, b, tb);
                        Kernels.setThreads(2);
                        INDArray two = Kernels.mm(a, ta, b, tb);
                        INDArray want = (ta ? a.transpose() : a).castTo(DataType.DOUBLE).mmul((tb ? b.transpose() : b).castTo(DataType.DOUBLE));
                        assertTrue(one.castTo(DataType.DOUBLE).equalsWithEps(want, 1e-2), m + "x" + n + " ta " + ta + " tb " + tb);
                        assertTrue(two.equalsWithEps(one, 1e-4), m + "x" + n + " ta " + ta + " tb " + tb + ": 2 threads");
                    }
                }
            }
            int B = 8, H = 4, T = 96, d = 32, width = 3 * H * d;
            INDArray acts = randn(DataType.FLOAT, 33, (long) B * T, width);
            Kernels.Grid q = Kernels.Grid.heads(acts, 0, B, T, H, d), k = Kernels.Grid.heads(acts, H * d, B, T, H, d);
            INDArray one = Nd4j.create(DataType.FLOAT, B, H, T, T), two = Nd4j.create(DataType.FLOAT, B, H, T, T);
            Kernels.setThreads(1);
            Kernels.gemm(B, H, q, false, k, true, Kernels.Grid.squares(one, H, T), 1.0, 0.0);
            Kernels.setThreads(2);
            Kernels.gemm(B, H, q, false, k, true, Kernels.Grid.squares(two, H, T), 1.0, 0.0);
            assertTrue(two.equalsWithEps(one, 1e-4), "grid of heads: 2 threads");
            INDArray head = acts.get(NDArrayIndex.interval(T, 2 * T), NDArrayIndex.interval(d, 2 * d));     // b = 1, h = 1
            INDArray keys = acts.get(NDArrayIndex.interval(T, 2 * T), NDArrayIndex.interval(H * d + d, H * d + 2 * d));
            assertTrue(head.mmul(keys.transpose()).equalsWithEps(two.get(NDArrayIndex.point(1), NDArrayIndex.point(1)), 1e-3));
        } finally {
            Kernels.setThreads(1);
        }
    }

    @Test
    void gatherRowsIsTheEmbeddingLookup() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray table = randn(t, 41, 10, 6);
            int[] ids = {3, 0, 9, 3};
            assertEquals(Nd4j.pullRows(table, 1, ids), Kernels.gatherRows(table, ids), t.toString());
        }
    }
}
