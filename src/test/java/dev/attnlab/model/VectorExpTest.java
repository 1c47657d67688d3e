package dev.attnlab.model;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels' exp: every lane equals the scalar formula bit for bit (so a lane's result does not
 * depend on whether C2 has compiled the vector code, on the lane count, or on whether the element
 * fell in a row's scalar tail), and it is within 2 ulp of Math.exp.
 */
class VectorExpTest {

    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    private static float[] inputs() {
        Random r = new Random(5);
        float[] x = new float[LANES * 4096];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 20 - 5);
        float[] edges = {0f, -0f, -86.6f, -86.7f, -100f, 88.72f, 88.8f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN};
        System.arraycopy(edges, 0, x, 0, edges.length);
        return x;
    }

    @Test
    void vectorLanesEqualTheScalarFormulaBitForBit() {
        float[] x = inputs(), lanes = new float[x.length];
        for (int round = 0; round < 200; round++) {           // long enough for C2 to compile the vector path
            for (int i = 0; i < x.length; i += LANES) {
                VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(lanes, i);
            }
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(VectorKernels.exp(x[i])), Float.floatToRawIntBits(lanes[i]),
                        "exp(" + x[i] + ") in round " + round);
            }
        }
    }

    @Test
    void isWithinTwoUlpOfMathExpAndZeroOrInfinityOutsideFloatsRange() {
        float[] x = inputs();
        for (float v : x) {
            float e = VectorKernels.exp(v), ref = (float) Math.exp(v);
            if (Float.isNaN(v)) assertTrue(Float.isNaN(e));
            else if (v < -86.6f) assertEquals(0f, e, "flushed below 2^-125: exp(" + v + ")");
            else if (Float.isInfinite(ref)) assertEquals(ref, e, "exp(" + v + ")");
            else assertTrue(Math.abs(e - ref) <= 2 * Math.ulp(ref), "exp(" + v + ") = " + e + ", Math.exp " + ref);
        }
    }
}
