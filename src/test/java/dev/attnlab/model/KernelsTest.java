package dev.attnlab.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

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
}
