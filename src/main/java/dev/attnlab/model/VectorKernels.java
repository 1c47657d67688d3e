package dev.attnlab.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * Float32 kernels on the JDK's vector API, with their own vectorised {@link #exp(FloatVector)}
 * (deterministic, unlike the API's EXP: see {@link #expInPlace}). Used by {@link Kernels} only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}; otherwise Kernels' scalar loops run. Data is moved
 * between ND4J's native buffers and heap scratch arrays with bulk copies.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHUNK = 8192;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[S.length()]);
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

    /**
     * a[i] = exp(a[i] − sub) for i < n; returns the sum (per-lane float partial sums, then added lane
     * by lane in lane order in double). Every lane and the scalar tail compute {@link #exp} with the
     * same IEEE operations, so the result does not depend on whether the JIT has compiled this code
     * yet (the vector API's own EXP is Math.exp before C2 compiles it and Intel's SVML after, and the
     * two differ in the last bit for about 1 % of inputs), nor on the lane count.
     */
    private static double expInPlace(float[] a, int n, float sub) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, a, i).sub(sub));
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        double s = sumLanes(acc);
        for (; i < n; i++) {
            a[i] = exp(a[i] - sub);
            s += a[i];
        }
        return s;
    }

    /** The lanes of v added in lane order (the vector API leaves a float ADD reduction's order open). */
    private static double sumLanes(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);
        double s = 0;
        for (int k = 0; k < lanes.length; k++) s += lanes[k];
        return s;
    }

    // exp(x) = 2^k · p(r), k = round(x / ln 2), r = x − k·ln 2 (ln 2 in two parts so r is exact to
    // float precision), p the degree-7 Taylor polynomial of e^r on |r| ≤ ln 2 / 2 (error below 1e-8),
    // its coefficients doubled so that 2^k is applied as 2^(k−1), a normal float for every k used.
    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    private static final float ROUND = 12582912f;             // 1.5 · 2^23: x + ROUND rounds x to an integer
    /** Below this exp(x) < 2^-125 is flushed to 0 (it is below float's normal range); above, +inf. */
    private static final float EXP_MIN = -86.6f, EXP_MAX = 88.72283f;
    private static final float[] TWICE_TAYLOR = {2f / 5040, 2f / 720, 2f / 120, 2f / 24, 2f / 6, 2f / 2, 2f, 2f};

    /** exp of every lane, from adds, multiplies, FMAs and bit operations only (exact IEEE operations). */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = c.fma(LOG2E, ROUND);
        FloatVector k = shifted.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), c).add(k.mul(-LN2_LO));
        FloatVector p = FloatVector.broadcast(S, TWICE_TAYLOR[0]);
        for (int j = 1; j < TWICE_TAYLOR.length; j++) p = p.fma(r, FloatVector.broadcast(S, TWICE_TAYLOR[j]));
        IntVector bits = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND) - 126).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = p.mul(bits.reinterpretAsFloats());
        return e.blend(0f, x.lt(EXP_MIN)).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    }

    /** {@link #exp(FloatVector)} of one float, the same operations in the same order. */
    static float exp(float x) {
        if (Float.isNaN(x)) return x;
        if (x < EXP_MIN) return 0f;
        if (x > EXP_MAX) return Float.POSITIVE_INFINITY;
        float shifted = Math.fma(x, LOG2E, ROUND);
        float k = shifted - ROUND;
        float r = Math.fma(k, -LN2_HI, x) + k * -LN2_LO;
        float p = TWICE_TAYLOR[0];
        for (int j = 1; j < TWICE_TAYLOR.length; j++) p = Math.fma(p, r, TWICE_TAYLOR[j]);
        int bits = (Float.floatToRawIntBits(shifted) - (Float.floatToRawIntBits(ROUND) - 126)) << 23;
        return p * Float.intBitsToFloat(bits);
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
            float dot = (float) sumLanes(acc);
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

    /** Cross-entropy of rows [from, to) (see Kernels.crossEntropy); row i's loss into rowLoss[i] (0 for a pad target). */
    static void crossEntropyRows(FloatBuffer z, long off, int v, int[] targets, int padId, double scale,
                                 boolean grad, int from, int to, double[] rowLoss) {
        float[] r = row(v);
        for (int i = from; i < to; i++) {
            int a = (int) (off + (long) i * v);
            boolean pad = targets[i] == padId;
            z.get(a, r, 0, v);
            float m = max(r, v);
            double zt = pad ? 0 : r[targets[i]] - m;
            double sum = expInPlace(r, v, m);
            rowLoss[i] = pad ? 0 : Math.log(sum) - zt;
            if (grad) {
                scale(r, v, pad ? 0f : (float) (scale / sum));
                if (!pad) r[targets[i]] -= (float) scale;
                z.put(a, r, 0, v);
            }
        }
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
            s += sumLanes(acc);
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
