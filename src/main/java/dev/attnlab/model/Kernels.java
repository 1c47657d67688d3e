package dev.attnlab.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;

/**
 * The few kernels where ND4J's per-op path was measured to be the bottleneck (docs/model.md): GEMM
 * straight into OpenBLAS (also for attention's per-head products, one call per batch×head on
 * strided {@link Grid}s), row softmax, softmax cross-entropy fused with its gradient, embedding
 * gather and scatter-add, and AdamW. Each works on contiguous row-major arrays in float32
 * (training) or float64 (gradient checks). The kernels own the threads ({@link #setThreads}).
 */
public final class Kernels {

    /** Whether the JVM runs with {@code --add-modules jdk.incubator.vector} (then float32 uses {@link VectorKernels}). */
    public static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final long PARALLEL_MIN_ELEMENTS = 1 << 17;
    /** Multiply-adds below which a GEMM is not split (splitting costs tens of microseconds). */
    private static final long GEMM_PARALLEL_MIN = 1 << 22;
    private static volatile int threads = defaultThreads();
    private static volatile ForkJoinPool pool;

    private Kernels() { }

    /** OMP_NUM_THREADS (which also sizes ND4J and OpenBLAS), else the number of processors. */
    private static int defaultThreads() {
        try {
            String env = System.getenv("OMP_NUM_THREADS");
            if (env != null && !env.isBlank()) return Math.max(1, Integer.parseInt(env.trim()));
        } catch (NumberFormatException ignored) {
            // fall through
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Threads for attnlab's kernels: GEMMs (split by rows, columns or heads) and the row-parallel
     * kernels (softmax, cross-entropy, AdamW). OpenBLAS and ND4J's own ops are pinned to one thread:
     * their OpenMP threads spin between the hundreds of small calls of a training step, and at
     * vocabulary 1,000 two OpenBLAS threads made a step 1.9× slower than one (docs/benchmarks.md).
     */
    public static void setThreads(int n) {
        threads = Math.max(1, n);
        pinNativeThreads();
    }

    private static volatile boolean nativePinned;

    /** OpenBLAS and libnd4j at one thread each (once; setThreads repeats it in case ND4J was reconfigured). */
    private static void pinNativeThreads() {
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        nativePinned = true;
    }

    public static int threads() { return threads; }

    /** body(from, to) over [0, n), in parallel chunks when the work is large enough. */
    private static void parallel(long n, long elementsPerItem, Range body) {
        parallel(n, elementsPerItem, PARALLEL_MIN_ELEMENTS, body);
    }

    /**
     * As above, run on one thread when n · elementsPerItem is below minTotal. Otherwise [0, n) is
     * cut into 4 chunks per thread that the calling thread and threads − 1 pool threads take in
     * turn, so a helper that wakes late costs a chunk, not half the work. Which thread takes which
     * chunk varies with timing, the chunks do not (they depend on n and the thread count only), and
     * every body writes only its own items: the result never depends on timing. Nothing is summed
     * across chunks here: a reduction stores one partial per fixed block of items and adds them in
     * block order ({@link #sumInOrder}), so its result does not depend on the thread count either.
     */
    private static void parallel(long n, long elementsPerItem, long minTotal, Range body) {
        int t = threads;
        if (t <= 1 || n < 2 || n * elementsPerItem < minTotal) {
            body.apply(0, n);
            return;
        }
        ForkJoinPool p = pool;
        if (p == null || p.getParallelism() != t - 1) {
            synchronized (Kernels.class) {
                if (pool == null || pool.getParallelism() != t - 1) pool = new ForkJoinPool(t - 1);
                p = pool;
            }
        }
        int chunks = (int) Math.min(n, 4L * t);
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Runnable work = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                body.apply(n * c / chunks, n * (c + 1) / chunks);
            }
        };
        java.util.List<java.util.concurrent.ForkJoinTask<?>> helpers = new java.util.ArrayList<>(t - 1);
        for (int i = 0; i < t - 1; i++) helpers.add(p.submit(work));
        try {
            work.run();
        } finally {
            for (java.util.concurrent.ForkJoinTask<?> h : helpers) h.join();   // never leave a helper writing
        }
    }

    @FunctionalInterface
    private interface Range {
        void apply(long from, long to);
    }

    /** Σ parts[i] in index order. */
    private static double sumInOrder(double[] parts) {
        double total = 0;
        for (double v : parts) total += v;
        return total;
    }

    // ------------------------------------------------------------------ GEMM

    /** A fresh [.., m, n] = op(a) · op(b) for 2-D arrays or rank-3 batches (batch dims must match). */
    public static INDArray mm(INDArray a, boolean ta, INDArray b, boolean tb) {
        int r = a.rank();
        long m = ta ? a.size(r - 1) : a.size(r - 2);
        long n = tb ? b.size(r - 2) : b.size(r - 1);
        INDArray c = r == 3 ? Nd4j.createUninitialized(a.dataType(), a.size(0), m, n)
                : Nd4j.createUninitialized(a.dataType(), m, n);
        gemm(a, ta, b, tb, c, 1.0, 0.0);
        return c;
    }

    /**
     * Column sums of a [rows, cols] matrix as a [cols] vector (bias and position gradients), as a
     * ones-vector product: one BLAS call instead of ND4J's reduction, which was ~50× slower on the
     * [tokens, vocab] logits gradient (measured by the benchmark's profile).
     */
    public static INDArray columnSums(INDArray m) {
        m = contiguous(m);
        int rows = (int) m.size(0), cols = (int) m.size(1);
        INDArray ones = Nd4j.ones(m.dataType(), rows);                                    // [rows]
        INDArray out = Nd4j.createUninitialized(m.dataType(), cols);                      // [cols]
        // mᵀ·1 as a matrix-vector product (sgemm with one row ran at a fraction of gemv's speed);
        // addressPointer() already points at a view's offset
        if (m.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemv(openblas.CblasRowMajor, openblas.CblasTrans, rows, cols, 1f,
                    new FloatPointer(m.data().addressPointer()), cols, new FloatPointer(ones.data().addressPointer()), 1,
                    0f, new FloatPointer(out.data().addressPointer()), 1);
        } else if (m.dataType() == DataType.DOUBLE) {
            openblas.cblas_dgemv(openblas.CblasRowMajor, openblas.CblasTrans, rows, cols, 1.0,
                    new DoublePointer(m.data().addressPointer()), cols, new DoublePointer(ones.data().addressPointer()), 1,
                    0.0, new DoublePointer(out.data().addressPointer()), 1);
        } else {
            throw new IllegalArgumentException("columnSums: unsupported dtype " + m.dataType());
        }
        return out;
    }

    /** c = alpha · op(a) · op(b) + beta · c, row-major; rank-3 arrays are batches of matrices. */
    public static void gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha, double beta) {
        a = contiguous(a);
        b = contiguous(b);
        if (!isContiguous(c)) throw new IllegalArgumentException("gemm output must be contiguous row-major");
        int r = a.rank();
        if (r != b.rank() || r != c.rank() || (r != 2 && r != 3)) throw new IllegalArgumentException("gemm needs rank 2 or 3");
        int rows = (int) a.size(r - 2), cols = (int) a.size(r - 1);
        int m = ta ? cols : rows, k = ta ? rows : cols;
        int n = (int) (tb ? b.size(r - 2) : b.size(r - 1));
        int kb = (int) (tb ? b.size(r - 1) : b.size(r - 2));
        if (k != kb || c.size(r - 2) != m || c.size(r - 1) != n) {
            throw new IllegalArgumentException("gemm shapes " + a.shapeInfoToString() + " " + b.shapeInfoToString());
        }
        if (r == 3) {
            Grid ga = new Grid(a, 0, rows, cols, cols, (long) rows * cols, 0);
            Grid gb = new Grid(b, 0, (int) b.size(1), (int) b.size(2), (int) b.size(2), b.size(1) * b.size(2), 0);
            Grid gc = new Grid(c, 0, m, n, n, (long) m * n, 0);
            gemm((int) a.size(0), 1, ga, ta, gb, tb, gc, alpha, beta);
            return;
        }
        int lda = cols, ldb = (int) b.size(1);
        // one part per thread: split the rows of c, or its columns when it has fewer rows
        boolean byRows = m >= n;
        int split = byRows ? m : n;
        INDArray fa = a, fb = b;
        parallel(split, (long) (byRows ? n : m) * k, GEMM_PARALLEL_MIN, (from, to) -> {
            int lo = (int) from, len = (int) (to - from);
            if (byRows) {
                blas(c.dataType(), ta, tb, len, n, k, alpha, fa, ta ? lo : (long) lo * lda, lda, fb, 0, ldb,
                        beta, c, (long) lo * n, n);
            } else {
                blas(c.dataType(), ta, tb, m, len, k, alpha, fa, 0, lda, fb, tb ? (long) lo * ldb : lo, ldb,
                        beta, c, lo, n);
            }
        });
    }

    /**
     * One BLAS call on row-major matrices at element offsets of contiguous arrays (a view's
     * addressPointer() already points at the view's offset, so offsets are relative to it).
     */
    private static void blas(DataType dt, boolean ta, boolean tb, int m, int n, int k, double alpha,
                             INDArray a, long aOff, int lda, INDArray b, long bOff, int ldb,
                             double beta, INDArray c, long cOff, int ldc) {
        if (!nativePinned) pinNativeThreads();
        int opA = ta ? openblas.CblasTrans : openblas.CblasNoTrans, opB = tb ? openblas.CblasTrans : openblas.CblasNoTrans;
        if (dt == DataType.FLOAT) {
            FloatPointer pa = new FloatPointer(a.data().addressPointer()).position(aOff),
                    pb = new FloatPointer(b.data().addressPointer()).position(bOff),
                    pc = new FloatPointer(c.data().addressPointer()).position(cOff);
            openblas.cblas_sgemm(openblas.CblasRowMajor, opA, opB, m, n, k, (float) alpha, pa, lda, pb, ldb, (float) beta, pc, ldc);
        } else if (dt == DataType.DOUBLE) {
            DoublePointer pa = new DoublePointer(a.data().addressPointer()).position(aOff),
                    pb = new DoublePointer(b.data().addressPointer()).position(bOff),
                    pc = new DoublePointer(c.data().addressPointer()).position(cOff);
            openblas.cblas_dgemm(openblas.CblasRowMajor, opA, opB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        } else {
            throw new IllegalArgumentException("gemm: unsupported dtype " + dt);
        }
    }

    /**
     * A [B, H] grid of [rows, cols] matrices inside one contiguous buffer: matrix (b, h) starts at
     * element {@code offset + b·strideB + h·strideH} of {@code buf} and its rows are {@code ld}
     * apart. Attention's per-head Q, K, V and z are such grids inside [N, k·HD] activations
     * (rows = positions, ld = k·HD), so per-head products need no permuted [B·H, T, d] copies.
     */
    public record Grid(INDArray buf, long offset, int rows, int cols, int ld, long strideB, long strideH) {
        public Grid {
            if (!isContiguous(buf)) throw new IllegalArgumentException("a Grid needs a contiguous buffer");
        }

        /** Head slices of x [B·T, width] (row-major): head h of batch b is rows b·T.., columns col0 + h·d ... */
        public static Grid heads(INDArray x, int col0, int B, int T, int H, int d) {
            int width = (int) x.size(1);
            return new Grid(x, col0, T, d, width, (long) T * width, d);
        }

        /** The [T, T] matrices of a [B·H, T, T] (or [B, H, T, T]) array. */
        public static Grid squares(INDArray s, int H, int T) {
            return new Grid(s, 0, T, T, T, (long) H * T * T, (long) T * T);
        }

        /** Rows r0.. (nr of them) and columns c0.. (nc of them) of every matrix. */
        public Grid block(int r0, int nr, int c0, int nc) {
            return new Grid(buf, offset + (long) r0 * ld + c0, nr, nc, ld, strideB, strideH);
        }
    }

    /** The three products of causal attention whose [T, T] operand is lower-triangular (see {@link #causalGemm}). */
    public enum Causal {
        /** c = alpha · a · bᵀ where only c's lower triangle is wanted (scores, dPattern). */
        LOWER_RESULT,
        /** c = alpha · l · b with l = a lower-triangular (z = P·v, dq = dS·k). */
        LOWER_LEFT,
        /** c = alpha · lᵀ · b with l = a lower-triangular (dv = Pᵀ·dz, dk = dSᵀ·q). */
        LOWER_LEFT_T
    }

    /**
     * A causal attention product that skips the all-zero (or unwanted) upper blocks of [T, T]
     * matrices: the T rows are cut into {@code bands}, band r spanning rows r0..r1, and each band
     * multiplies only the columns ≤ r1 (LOWER_RESULT, LOWER_LEFT) or the rows ≥ r0 (LOWER_LEFT_T).
     * With 2 bands that is 3/4 of the work of a full product, with 4 bands 5/8. For LOWER_RESULT
     * the skipped entries of c are set to 0, so every entry of c is defined.
     */
    public static void causalGemm(int B, int H, Causal kind, Grid a, Grid b, Grid c, double alpha, int bands) {
        int T = kind == Causal.LOWER_RESULT ? c.rows : a.rows;
        bands = Math.max(1, Math.min(bands, T));
        for (int r = 0; r < bands; r++) {
            int r0 = (int) ((long) T * r / bands), r1 = (int) ((long) T * (r + 1) / bands), n = r1 - r0;
            switch (kind) {
                case LOWER_RESULT -> {                      // c[r0:r1, 0:r1] = a[r0:r1] · b[0:r1]ᵀ
                    gemm(B, H, a.block(r0, n, 0, a.cols), false, b.block(0, r1, 0, b.cols), true,
                            c.block(r0, n, 0, r1), alpha, 0.0);
                    if (r1 < T) fill(B, H, c.block(r0, n, r1, T - r1), 0.0);
                }
                case LOWER_LEFT ->                          // c[r0:r1] = l[r0:r1, 0:r1] · b[0:r1]
                        gemm(B, H, a.block(r0, n, 0, r1), false, b.block(0, r1, 0, b.cols), false,
                                c.block(r0, n, 0, c.cols), alpha, 0.0);
                case LOWER_LEFT_T ->                        // c[r0:r1] = l[r0:T, r0:r1]ᵀ · b[r0:T]
                        gemm(B, H, a.block(r0, T - r0, r0, n), true, b.block(r0, T - r0, 0, b.cols), false,
                                c.block(r0, n, 0, c.cols), alpha, 0.0);
            }
        }
    }

    /** Sets every entry of every matrix of the grid to v. */
    public static void fill(int B, int H, Grid g, double v) {
        long off = g.buf.offset();                        // asNio*() buffers start at the data, not the view
        boolean f32 = g.buf.dataType() == DataType.FLOAT;
        FloatBuffer fb = f32 ? g.buf.data().asNioFloat() : null;
        DoubleBuffer db = f32 ? null : g.buf.data().asNioDouble();
        float[] fr = f32 ? new float[g.cols] : null;
        double[] dr = f32 ? null : new double[g.cols];
        if (f32) java.util.Arrays.fill(fr, (float) v); else java.util.Arrays.fill(dr, v);
        for (int i = 0; i < B; i++) {
            for (int j = 0; j < H; j++) {
                long base = off + g.offset + i * g.strideB + j * g.strideH;
                for (int row = 0; row < g.rows; row++) {
                    int at = (int) (base + (long) row * g.ld);
                    if (f32) fb.put(at, fr); else db.put(at, dr);
                }
            }
        }
    }

    /** For every (b, h): c = alpha · op(a) · op(b) + beta · c, one BLAS call per matrix, matrices spread over the threads. */
    public static void gemm(int B, int H, Grid a, boolean ta, Grid b, boolean tb, Grid c, double alpha, double beta) {
        int m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
        int n = tb ? b.rows : b.cols, kb = tb ? b.cols : b.rows;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalArgumentException("gemm grid shapes " + a + " " + b + " " + c);
        }
        DataType dt = c.buf.dataType();
        if (a.buf.dataType() != dt || b.buf.dataType() != dt) throw new IllegalArgumentException("gemm grids of mixed dtypes");
        parallel((long) B * H, (long) m * n * k, GEMM_PARALLEL_MIN, (from, to) -> {
            for (long idx = from; idx < to; idx++) {
                long i = idx / H, j = idx % H;
                blas(dt, ta, tb, m, n, k, alpha, a.buf, a.offset + i * a.strideB + j * a.strideH, a.ld,
                        b.buf, b.offset + i * b.strideB + j * b.strideH, b.ld,
                        beta, c.buf, c.offset + i * c.strideB + j * c.strideH, c.ld);
            }
        });
    }

    static boolean isContiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }

    /** {@code a} itself when it is contiguous row-major, else a row-major copy. */
    public static INDArray contiguous(INDArray a) {
        return isContiguous(a) ? a : a.dup('c');
    }

    // ------------------------------------------------------------------ softmax and cross-entropy

    /** Softmax of every row of x [rows, cols] into out (may be x). Rows may hold -inf but not only -inf. */
    public static void softmaxRows(INDArray x, INDArray out) {
        softmaxRows(x, out, false);
    }

    /**
     * As {@link #softmaxRows(INDArray, INDArray)}; with {@code causal}, x holds [T, T] score
     * matrices (cols = T) whose row r may only see keys 0..r mod T: only that prefix is read, and
     * the rest of the output row is set to 0 (what the -inf of the mask would give), which halves
     * the work.
     */
    public static void softmaxRows(INDArray x, INDArray out, boolean causal) {
        x = contiguous(x);
        int cols = (int) x.size(-1);
        long rows = x.length() / cols;
        if (x.dataType() == DataType.FLOAT && VECTOR) {
            FloatBuffer in = x.data().asNioFloat(), o = out.data().asNioFloat();
            long xo = x.offset(), oo = out.offset();
            parallel(rows, cols, (from, to) -> {
                VectorKernels.softmaxRows(in, xo, o, oo, cols, from, to, causal);
            });
        } else if (x.dataType() == DataType.FLOAT) {
            FloatBuffer in = x.data().asNioFloat(), o = out.data().asNioFloat();
            long xo = x.offset(), oo = out.offset();
            for (long r = 0; r < rows; r++) {
                int a = (int) (xo + r * cols), b = (int) (oo + r * cols), n = causal ? (int) (r % cols) + 1 : cols;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, in.get(a + j));
                float sum = 0;
                for (int j = 0; j < n; j++) {
                    float e = (float) Math.exp(in.get(a + j) - max);
                    o.put(b + j, e);
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = 0; j < n; j++) o.put(b + j, o.get(b + j) * inv);
                for (int j = n; j < cols; j++) o.put(b + j, 0);
            }
        } else {
            DoubleBuffer in = x.data().asNioDouble(), o = out.data().asNioDouble();
            long xo = x.offset(), oo = out.offset();
            for (long r = 0; r < rows; r++) {
                int a = (int) (xo + r * cols), b = (int) (oo + r * cols), n = causal ? (int) (r % cols) + 1 : cols;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, in.get(a + j));
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(in.get(a + j) - max);
                    o.put(b + j, e);
                    sum += e;
                }
                double inv = 1 / sum;
                for (int j = 0; j < n; j++) o.put(b + j, o.get(b + j) * inv);
                for (int j = n; j < cols; j++) o.put(b + j, 0);
            }
        }
    }

    /**
     * Per-token negative log-likelihood −log softmax(logits[i])[targets[i]] into {@code nll[i]} (NaN
     * where the target is {@code padId} >= 0) and each row's first arg-max into {@code argMax[i]}, in
     * one row-parallel pass over contiguous float32 logits [N, V] (evaluation: no gradient). Targets
     * must lie in [0, V) unless padding.
     */
    public static void tokenNll(INDArray logits, int[] targets, int padId, float[] nll, int[] argMax) {
        if (logits.dataType() != DataType.FLOAT || logits.rank() != 2 || !isContiguous(logits)) {
            throw new IllegalArgumentException("tokenNll needs contiguous float32 logits [N, V], got " + logits.shapeInfoToString());
        }
        int n = (int) logits.size(0), v = (int) logits.size(1);
        long off = logits.offset();
        FloatBuffer z = logits.data().asNioFloat();
        parallel(n, v, (from, to) -> {
            if (VECTOR) {
                VectorKernels.tokenNll(z, off, v, targets, padId, nll, argMax, (int) from, (int) to);
                return;
            }
            for (int i = (int) from; i < to; i++) {
                int a = (int) (off + (long) i * v), best = 0;
                float max = z.get(a);
                for (int j = 1; j < v; j++) {
                    if (z.get(a + j) > max) {
                        max = z.get(a + j);
                        best = j;
                    }
                }
                argMax[i] = best;
                if (padId >= 0 && targets[i] == padId) {
                    nll[i] = Float.NaN;
                    continue;
                }
                double sum = 0;
                for (int j = 0; j < v; j++) sum += Math.exp(z.get(a + j) - max);
                nll[i] = (float) (Math.log(sum) - (z.get(a + targets[i]) - max));
            }
        });
    }

    /**
     * Row maxima and first arg-maxima of a contiguous float32 matrix m [rows, cols] into
     * {@code max[at + r]} and {@code argMax[at + r]}, in one row-parallel pass. ND4J's max and argMax
     * reductions took minutes per [4096, 50257] chunk of the interpret stage's vocabulary tables.
     */
    public static void rowMaxArgMax(INDArray m, float[] max, int[] argMax, int at) {
        if (m.dataType() != DataType.FLOAT || m.rank() != 2 || !isContiguous(m)) {
            throw new IllegalArgumentException("rowMaxArgMax needs a contiguous float32 matrix, got " + m.shapeInfoToString());
        }
        int cols = (int) m.size(1);
        long rows = m.size(0), off = m.offset();
        FloatBuffer b = m.data().asNioFloat();
        parallel(rows, cols, (from, to) -> {
            if (VECTOR) {
                VectorKernels.rowMaxArgMax(b, off, cols, from, to, max, argMax, at);
                return;
            }
            for (long r = from; r < to; r++) {
                int base = (int) (off + r * cols), best = 0;
                float v = b.get(base);
                for (int j = 1; j < cols; j++) {
                    float x = b.get(base + j);
                    if (x > v) {
                        v = x;
                        best = j;
                    }
                }
                max[at + (int) r] = v;
                argMax[at + (int) r] = best;
            }
        });
    }

    /** Sets entries with key > query to -inf in causal scores [B·H·T, T] (row r is query r mod T). */
    public static void maskFuture(INDArray scores) {
        if (!isContiguous(scores)) throw new IllegalArgumentException("scores must be contiguous");
        int t = (int) scores.size(-1);
        long rows = scores.length() / t, off = scores.offset();
        if (scores.dataType() == DataType.FLOAT) {
            FloatBuffer b = scores.data().asNioFloat();
            float[] inf = new float[t];
            java.util.Arrays.fill(inf, Float.NEGATIVE_INFINITY);
            for (long r = 0; r < rows; r++) {
                int q = (int) (r % t);
                if (q + 1 < t) b.put((int) (off + r * t + q + 1), inf, 0, t - q - 1);
            }
        } else {
            DoubleBuffer b = scores.data().asNioDouble();
            for (long r = 0; r < rows; r++) {
                for (int k = (int) (r % t) + 1; k < t; k++) b.put((int) (off + r * t + k), Double.NEGATIVE_INFINITY);
            }
        }
    }

    /** In place: dP [rows, cols] ← scale · P ⊙ (dP − rowsum(dP ⊙ P)), the softmax backward. */
    public static void softmaxBackward(INDArray pattern, INDArray dPattern, double scale) {
        softmaxBackward(pattern, dPattern, scale, false);
    }

    /** As above; with {@code causal} (see {@link #softmaxRows(INDArray, INDArray, boolean)}) row r reads only its prefix and is 0 after it. */
    public static void softmaxBackward(INDArray pattern, INDArray dPattern, double scale, boolean causal) {
        if (!isContiguous(dPattern)) throw new IllegalArgumentException("dPattern must be contiguous");
        pattern = contiguous(pattern);
        int cols = (int) dPattern.size(-1);
        long rows = dPattern.length() / cols, po = pattern.offset(), go = dPattern.offset();
        if (dPattern.dataType() == DataType.FLOAT && VECTOR) {
            FloatBuffer p = pattern.data().asNioFloat(), g = dPattern.data().asNioFloat();
            parallel(rows, cols, (from, to) -> {
                VectorKernels.softmaxBackward(p, po, g, go, cols, from, to, (float) scale, causal);
            });
        } else if (dPattern.dataType() == DataType.FLOAT) {
            FloatBuffer p = pattern.data().asNioFloat(), g = dPattern.data().asNioFloat();
            for (long r = 0; r < rows; r++) {
                int a = (int) (po + r * cols), b = (int) (go + r * cols), n = causal ? (int) (r % cols) + 1 : cols;
                float dot = 0;
                for (int j = 0; j < n; j++) dot += p.get(a + j) * g.get(b + j);
                for (int j = 0; j < n; j++) g.put(b + j, (float) scale * p.get(a + j) * (g.get(b + j) - dot));
                for (int j = n; j < cols; j++) g.put(b + j, 0);
            }
        } else {
            DoubleBuffer p = pattern.data().asNioDouble(), g = dPattern.data().asNioDouble();
            for (long r = 0; r < rows; r++) {
                int a = (int) (po + r * cols), b = (int) (go + r * cols), n = causal ? (int) (r % cols) + 1 : cols;
                double dot = 0;
                for (int j = 0; j < n; j++) dot += p.get(a + j) * g.get(b + j);
                for (int j = 0; j < n; j++) g.put(b + j, scale * p.get(a + j) * (g.get(b + j) - dot));
                for (int j = n; j < cols; j++) g.put(b + j, 0);
            }
        }
    }

    /**
     * Summed cross-entropy of logits [N, V] against targets, skipping pad targets; with {@code grad},
     * overwrites each row with (softmax − onehot(target)) / count in the same pass (the row stays in
     * cache), so no vocabulary-sized temporary is ever made. Returns {sum, count}.
     */
    public static double[] crossEntropy(INDArray logits, int[] targets, int padId, boolean grad) {
        if (!isContiguous(logits)) throw new IllegalArgumentException("logits must be contiguous");
        int n = (int) logits.size(0), v = (int) logits.size(1);
        long count = 0;
        for (int t : targets) if (t != padId) count++;
        double scale = count == 0 ? 0 : 1.0 / count;
        double total = 0;
        long off = logits.offset();
        if (logits.dataType() == DataType.FLOAT && VECTOR) {
            FloatBuffer z = logits.data().asNioFloat();
            double[] rowLoss = new double[n];
            parallel(n, v, (from, to) ->
                    VectorKernels.crossEntropyRows(z, off, v, targets, padId, scale, grad, (int) from, (int) to, rowLoss));
            total = sumInOrder(rowLoss);
        } else if (logits.dataType() == DataType.FLOAT) {
            FloatBuffer z = logits.data().asNioFloat();
            for (int i = 0; i < n; i++) {
                int a = (int) (off + (long) i * v);
                boolean pad = targets[i] == padId;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) max = Math.max(max, z.get(a + j));
                double zt = z.get(a + (pad ? 0 : targets[i])) - max;
                double sum = 0;
                if (grad) {
                    for (int j = 0; j < v; j++) {
                        float e = (float) Math.exp(z.get(a + j) - max);
                        z.put(a + j, e);
                        sum += e;
                    }
                } else {
                    for (int j = 0; j < v; j++) sum += Math.exp(z.get(a + j) - max);
                }
                if (!pad) total += Math.log(sum) - zt;
                if (grad) {
                    float w = pad ? 0f : (float) (scale / sum);
                    for (int j = 0; j < v; j++) z.put(a + j, z.get(a + j) * w);
                    if (!pad) z.put(a + targets[i], z.get(a + targets[i]) - (float) scale);
                }
            }
        } else {
            DoubleBuffer z = logits.data().asNioDouble();
            for (int i = 0; i < n; i++) {
                int a = (int) (off + (long) i * v);
                boolean pad = targets[i] == padId;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) max = Math.max(max, z.get(a + j));
                double zt = z.get(a + (pad ? 0 : targets[i])) - max;
                double sum = 0;
                for (int j = 0; j < v; j++) {
                    double e = Math.exp(z.get(a + j) - max);
                    if (grad) z.put(a + j, e);
                    sum += e;
                }
                if (!pad) total += Math.log(sum) - zt;
                if (grad) {
                    double w = pad ? 0 : scale / sum;
                    for (int j = 0; j < v; j++) z.put(a + j, z.get(a + j) * w);
                    if (!pad) z.put(a + targets[i], z.get(a + targets[i]) - scale);
                }
            }
        }
        return new double[]{total, count};
    }

    // ------------------------------------------------------------------ embedding gradient

    /** The embedding lookup: rows idx of table [V, D] as a new [idx.length, D] (ND4J's pullRows was 3 % of a small step). */
    public static INDArray gatherRows(INDArray table, int[] idx) {
        table = contiguous(table);
        int d = (int) table.size(1);
        INDArray out = Nd4j.createUninitialized(table.dataType(), idx.length, d);
        long to = table.offset(), oo = out.offset();
        if (table.dataType() == DataType.FLOAT) {
            FloatBuffer t = table.data().asNioFloat(), o = out.data().asNioFloat();
            float[] row = new float[d];
            for (int i = 0; i < idx.length; i++) {
                t.get((int) (to + (long) idx[i] * d), row, 0, d);
                o.put((int) (oo + (long) i * d), row, 0, d);
            }
        } else {
            DoubleBuffer t = table.data().asNioDouble(), o = out.data().asNioDouble();
            double[] row = new double[d];
            for (int i = 0; i < idx.length; i++) {
                t.get((int) (to + (long) idx[i] * d), row, 0, d);
                o.put((int) (oo + (long) i * d), row, 0, d);
            }
        }
        return out;
    }

    /** dst[idx[i], :] += src[i, :] for every row i of src [N, D] (dst [V, D]). */
    public static void scatterAddRows(INDArray dst, int[] idx, INDArray src) {
        src = contiguous(src);
        int d = (int) src.size(1);
        long so = src.offset(), dOff = dst.offset();
        if (dst.dataType() == DataType.FLOAT) {
            FloatBuffer s = src.data().asNioFloat(), t = dst.data().asNioFloat();
            for (int i = 0; i < idx.length; i++) {
                int a = (int) (so + (long) i * d), b = (int) (dOff + (long) idx[i] * d);
                for (int j = 0; j < d; j++) t.put(b + j, t.get(b + j) + s.get(a + j));
            }
        } else {
            DoubleBuffer s = src.data().asNioDouble(), t = dst.data().asNioDouble();
            for (int i = 0; i < idx.length; i++) {
                int a = (int) (so + (long) i * d), b = (int) (dOff + (long) idx[i] * d);
                for (int j = 0; j < d; j++) t.put(b + j, t.get(b + j) + s.get(a + j));
            }
        }
    }

    // ------------------------------------------------------------------ optimizer

    /** Elements per partial sum of {@link #sumSquares}: the blocks, not the threads, fix the order of the additions. */
    private static final long SUM_BLOCK = 65536;

    /** Σ x² over a contiguous array. */
    public static double sumSquares(INDArray x) {
        x = contiguous(x);
        long n = x.length(), o = x.offset();
        double s = 0;
        if (x.dataType() == DataType.FLOAT && VECTOR) {
            FloatBuffer b = x.data().asNioFloat();
            double[] blockSums = new double[(int) ((n + SUM_BLOCK - 1) / SUM_BLOCK)];
            parallel(blockSums.length, SUM_BLOCK, (from, to) -> {
                for (long k = from; k < to; k++) {
                    blockSums[(int) k] = VectorKernels.sumSquares(b, o + k * SUM_BLOCK, Math.min(n, (k + 1) * SUM_BLOCK) - k * SUM_BLOCK);
                }
            });
            s = sumInOrder(blockSums);
        } else if (x.dataType() == DataType.FLOAT) {
            FloatBuffer b = x.data().asNioFloat();
            for (long i = 0; i < n; i++) { double v = b.get((int) (o + i)); s += v * v; }
        } else {
            DoubleBuffer b = x.data().asNioDouble();
            for (long i = 0; i < n; i++) { double v = b.get((int) (o + i)); s += v * v; }
        }
        return s;
    }

    /**
     * One fused AdamW pass over a parameter (PyTorch's formula):
     * p ← p·decay; m ← β1 m + (1−β1) g·gs; v ← β2 v + (1−β2)(g·gs)²; p ← p − stepSize · m / (sqrt(v)/sqrtBc2 + eps),
     * where gs scales the gradient (clipping) and stepSize = lr / (1 − β1^t).
     */
    public static void adamw(INDArray p, INDArray g, INDArray m, INDArray v, double decay, double gs,
                             double beta1, double beta2, double stepSize, double sqrtBc2, double eps) {
        g = contiguous(g);
        int n = (int) p.length();
        int po = (int) p.offset(), go = (int) g.offset(), mo = (int) m.offset(), vo = (int) v.offset();
        if (p.dataType() == DataType.FLOAT && VECTOR) {
            FloatBuffer pb = p.data().asNioFloat(), gb = g.data().asNioFloat(), mb = m.data().asNioFloat(), vb = v.data().asNioFloat();
            parallel((n + 65535) / 65536, 65536, (from, to) -> {
                int a = (int) (from * 65536), len = (int) (Math.min(n, to * 65536) - a);
                VectorKernels.adamw(pb, po + a, gb, go + a, mb, mo + a, vb, vo + a, len, (float) decay, (float) gs,
                        (float) beta1, (float) beta2, (float) stepSize, (float) (1 / sqrtBc2), (float) eps);
            });
        } else if (p.dataType() == DataType.FLOAT) {
            FloatBuffer pb = p.data().asNioFloat(), gb = g.data().asNioFloat(), mb = m.data().asNioFloat(), vb = v.data().asNioFloat();
            float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
            float dec = (float) decay, gsf = (float) gs, ss = (float) stepSize, inv = (float) (1 / sqrtBc2), e = (float) eps;
            for (int i = 0; i < n; i++) {
                float gi = gb.get(go + i) * gsf;
                float mi = b1 * mb.get(mo + i) + c1 * gi;
                float vi = b2 * vb.get(vo + i) + c2 * gi * gi;
                mb.put(mo + i, mi);
                vb.put(vo + i, vi);
                pb.put(po + i, pb.get(po + i) * dec - ss * mi / ((float) Math.sqrt(vi) * inv + e));
            }
        } else {
            DoubleBuffer pb = p.data().asNioDouble(), gb = g.data().asNioDouble(), mb = m.data().asNioDouble(), vb = v.data().asNioDouble();
            for (int i = 0; i < n; i++) {
                double gi = gb.get(go + i) * gs;
                double mi = beta1 * mb.get(mo + i) + (1 - beta1) * gi;
                double vi = beta2 * vb.get(vo + i) + (1 - beta2) * gi * gi;
                mb.put(mo + i, mi);
                vb.put(vo + i, vi);
                pb.put(po + i, pb.get(po + i) * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps));
            }
        }
    }
}
