package dev.attnlab.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * Float32 kernels on the JDK's vector API: its EXP runs on Intel's SVML (about 10× faster than
 * Math.exp in a loop, measured). Used by {@link Kernels} only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}; otherwise Kernels' scalar loops run. Data is moved
 * between ND4J's native buffers and heap scratch arrays with bulk copies.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHUNK = 8192;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    private VectorKernels() { }

    private static float[] row(int n) {
        float[] r = ROW.get();
        if (r.length < n) {
            r = new float[n];
            ROW.set(r);
        }
        return r;
    }

    private static float max(float[] a, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) m = m.max(FloatVector.fromArray(S, a, i));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, a[i]);
        return r;
    }

    /** a[i] = exp(a[i] − sub) for i < n; returns the sum (accumulated in float lanes, then double). */
    private static double expInPlace(float[] a, int n, float sub) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, a, i).sub(sub).lanewise(VectorOperators.EXP);
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        double s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            a[i] = (float) Math.exp(a[i] - sub);
            s += a[i];
        }
        return s;
    }

    private static void scale(float[] a, int n, float w) {
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) FloatVector.fromArray(S, a, i).mul(w).intoArray(a, i);
        for (; i < n; i++) a[i] *= w;
    }

    /** Max and first arg-max of rows [from, to) into max[at + k], argMax[at + k]. */
    static void rowMaxArgMax(FloatBuffer b, long off, int cols, long from, long to, float[] max, int[] argMax, int at) {
        float[] r = row(cols);
        for (long k = from; k < to; k++) {
            b.get((int) (off + k * cols), r, 0, cols);
            float m = max(r, cols);
            max[at + (int) k] = m;
            argMax[at + (int) k] = indexOf(r, cols, m);
        }
    }

    /** Rows [from, to) of Kernels.tokenNll. */
    static void tokenNll(FloatBuffer z, long off, int v, int[] targets, int padId, float[] nll, int[] argMax, int from, int to) {
        float[] r = row(v);
        for (int i = from; i < to; i++) {
            z.get((int) (off + (long) i * v), r, 0, v);
            float m = max(r, v);
            argMax[i] = indexOf(r, v, m);
            int t = targets[i];
            if (padId >= 0 && t == padId) {
                nll[i] = Float.NaN;
                continue;
            }
            float zt = r[t] - m;
            nll[i] = (float) (Math.log(expInPlace(r, v, m)) - zt);
        }
    }

    /** First index of v in a[0, n); 0 when absent (a row of NaNs has no maximum to find). */
    private static int indexOf(float[] a, int n, float v) {
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) {
            int lane = FloatVector.fromArray(S, a, i).eq(v).firstTrue();
            if (lane < S.length()) return i + lane;
        }
        for (; i < n; i++) {
            if (a[i] == v) return i;
        }
        return 0;
    }

    /** Softmax of rows [from, to) of length cols, buffer offsets in elements; causal: row k's first (k mod cols) + 1 only, 0 after. */
    static void softmaxRows(FloatBuffer in, long inOff, FloatBuffer out, long outOff, int cols, long from, long to, boolean causal) {
        float[] r = row(cols);
        for (long k = from; k < to; k++) {
            int n = causal ? (int) (k % cols) + 1 : cols;
            in.get((int) (inOff + k * cols), r, 0, n);
            float m = max(r, n);
            double s = expInPlace(r, n, m);
            scale(r, n, (float) (1.0 / s));
            java.util.Arrays.fill(r, n, cols, 0f);
            out.put((int) (outOff + k * cols), r, 0, cols);
        }
    }

    /** Softmax backward of rows [from, to): g ← scale · p ⊙ (g − Σ g⊙p). */
    static void softmaxBackward(FloatBuffer pb, long po, FloatBuffer gb, long go, int cols, long from, long to, float scale,
                                boolean causal) {
        float[][] s = SCRATCH.get();
        float[] p = cols <= CHUNK ? s[0] : new float[cols], g = cols <= CHUNK ? s[1] : new float[cols];
        for (long k = from; k < to; k++) {
            int n = causal ? (int) (k % cols) + 1 : cols;
            pb.get((int) (po + k * cols), p, 0, n);
            gb.get((int) (go + k * cols), g, 0, n);
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (; i < S.loopBound(n); i += S.length()) acc = FloatVector.fromArray(S, p, i).fma(FloatVector.fromArray(S, g, i), acc);
            float dot = acc.reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) dot += p[i] * g[i];
            i = 0;
            for (; i < S.loopBound(n); i += S.length()) {
                FloatVector.fromArray(S, g, i).sub(dot).mul(FloatVector.fromArray(S, p, i)).mul(scale).intoArray(g, i);
            }
            for (; i < n; i++) g[i] = scale * p[i] * (g[i] - dot);
            java.util.Arrays.fill(g, n, cols, 0f);
            gb.put((int) (go + k * cols), g, 0, cols);
        }
    }

    /** Cross-entropy of rows [from, to) (see Kernels.crossEntropy); returns the summed loss of those rows. */
    static double crossEntropyRows(FloatBuffer z, long off, int v, int[] targets, int padId, double scale,
                                   boolean grad, int from, int to) {
        float[] r = row(v);
        double total = 0;
        for (int i = from; i < to; i++) {
            int a = (int) (off + (long) i * v);
            boolean pad = targets[i] == padId;
            z.get(a, r, 0, v);
            float m = max(r, v);
            double zt = pad ? 0 : r[targets[i]] - m;
            double sum = expInPlace(r, v, m);
            if (!pad) total += Math.log(sum) - zt;
            if (grad) {
                scale(r, v, pad ? 0f : (float) (scale / sum));
                if (!pad) r[targets[i]] -= (float) scale;
                z.put(a, r, 0, v);
            }
        }
        return total;
    }

    /** Σ x² of n floats at offset off. */
    static double sumSquares(FloatBuffer b, long off, long n) {
        float[] x = SCRATCH.get()[0];
        double s = 0;
        for (long c = 0; c < n; c += CHUNK) {
            int len = (int) Math.min(CHUNK, n - c);
            b.get((int) (off + c), x, 0, len);
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (; i < S.loopBound(len); i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                acc = v.fma(v, acc);
            }
            s += acc.reduceLanes(VectorOperators.ADD);
            for (; i < len; i++) s += (double) x[i] * x[i];
        }
        return s;
    }

    /** The fused AdamW pass of {@link Kernels#adamw} in float32 lanes. */
    static void adamw(FloatBuffer pb, int po, FloatBuffer gb, int go, FloatBuffer mb, int mo, FloatBuffer vb, int vo, int n,
                      float decay, float gs, float b1, float b2, float stepSize, float invSqrtBc2, float eps) {
        float[][] s = SCRATCH.get();
        float[] p = s[0], g = s[1], m = s[2], v = s[3];
        float c1 = 1 - b1, c2 = 1 - b2;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            pb.get(po + c, p, 0, len);
            gb.get(go + c, g, 0, len);
            mb.get(mo + c, m, 0, len);
            vb.get(vo + c, v, 0, len);
            int i = 0;
            for (; i < S.loopBound(len); i += S.length()) {
                FloatVector gi = FloatVector.fromArray(S, g, i).mul(gs);
                FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(c1));
                FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(gi).mul(c2));
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).mul(invSqrtBc2).add(eps);
                FloatVector pi = FloatVector.fromArray(S, p, i).mul(decay).sub(mi.mul(stepSize).div(denom));
                mi.intoArray(m, i);
                vi.intoArray(v, i);
                pi.intoArray(p, i);
            }
            for (; i < len; i++) {
                float gi = g[i] * gs;
                m[i] = b1 * m[i] + c1 * gi;
                v[i] = b2 * v[i] + c2 * gi * gi;
                p[i] = p[i] * decay - stepSize * m[i] / ((float) Math.sqrt(v[i]) * invSqrtBc2 + eps);
            }
            pb.put(po + c, p, 0, len);
            mb.put(mo + c, m, 0, len);
            vb.put(vo + c, v, 0, len);
        }
    }
}
