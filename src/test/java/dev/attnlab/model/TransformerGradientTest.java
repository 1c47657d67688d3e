package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Float64 central finite differences against the hand-written backward, over EVERY parameter
 * element, for every architecture option (and a combination of all non-defaults).
 */
class TransformerGradientTest {

    static ModelConfig tiny(ModelSpec.Positional positional, ModelSpec.Norm norm, ModelSpec.Mlp mlp, boolean residual, boolean share,
                            boolean attnBias, boolean unembedBias, int layers) {
        // d_head 3 ≠ d_model / n_heads on purpose: the two must not be confused anywhere
        return new ModelConfig(layers, 6, 2, 3, 5, 7, positional, norm, mlp, mlp == ModelSpec.Mlp.NONE ? 0 : 5,
                residual, share, attnBias, unembedBias, 0.5);
    }

    static List<Object[]> architectures() {
        return List.of(
                new Object[]{"default (learned, no norm, attn-only)", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, true, true, 2)},
                new Object[]{"sinusoidal positions", tiny(ModelSpec.Positional.SINUSOIDAL, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, true, true, 2)},
                new Object[]{"no positions", tiny(ModelSpec.Positional.NONE, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, true, true, 2)},
                new Object[]{"pre-layernorm", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.NONE, true, false, true, true, 2)},
                new Object[]{"linear mlp", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.LINEAR, true, false, true, true, 2)},
                new Object[]{"gelu mlp", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.GELU, true, false, true, true, 2)},
                new Object[]{"no residual", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, false, false, true, true, 2)},
                new Object[]{"shared layer weights", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, true, true, true, 2)},
                new Object[]{"no attention biases", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, false, true, 2)},
                new Object[]{"no unembed bias", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, true, false, 2)},
                new Object[]{"one layer", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true, false, true, true, 1)},
                new Object[]{"everything non-default", tiny(ModelSpec.Positional.SINUSOIDAL, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.GELU, false, true, false, false, 3)},
                new Object[]{"layernorm + linear mlp + residual", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.LINEAR, true, false, true, true, 2)});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void analyticGradientMatchesFiniteDifferences(String label, ModelConfig cfg) {
        assertGradientsMatch(label, cfg);
    }

    @ParameterizedTest(name = "{0} row bands")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3, 4})
    void causalBandedProductsHaveExactGradients(int bands) {
        // the per-head products skip the upper blocks of the causal [T, T] matrices in row bands
        // (Kernels.causalGemm); at t = 4 every band count from 2 to one row per band is exercised
        System.setProperty("attnlab.bands", String.valueOf(bands));
        try {
            assertGradientsMatch(bands + " bands", tiny(ModelSpec.Positional.LEARNED, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.NONE, true, false, true, true, 2));
        } finally {
            System.clearProperty("attnlab.bands");
        }
    }

    private static void assertGradientsMatch(String label, ModelConfig cfg) {
        Transformer model = Transformer.init(cfg, DataType.DOUBLE, 42);
        int b = 2, t = 4, pad = 6;
        Random r = new Random(7);
        int[] tokens = new int[b * t];
        int[] targets = new int[b * t];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(cfg.dVocab());
            targets[i] = r.nextInt(cfg.dVocab() - 1);
        }
        targets[3] = pad;                       // padded targets must contribute nothing
        targets[7] = pad;

        Transformer.Activations acts = model.forward(tokens, b, t, false, HookedModel.HookEditor.NONE);
        double loss = Transformer.crossEntropy(acts.logits(), targets, pad, true).mean();
        Map<String, INDArray> grads = model.backward(acts, acts.logits());
        assertEquals(model.parameters().keySet(), grads.keySet(), "a gradient for every parameter");

        double eps = 1e-6;
        int checked = 0;
        double worst = 0;
        String worstAt = "";
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            INDArray p = e.getValue();
            INDArray flat = p.reshape(p.length());
            INDArray g = grads.get(e.getKey()).reshape(p.length());
            for (long i = 0; i < p.length(); i++) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double up = lossOf(model, tokens, targets, b, t, pad);
                flat.putScalar(i, orig - eps);
                double down = lossOf(model, tokens, targets, b, t, pad);
                flat.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(i);
                double err = Math.abs(numeric - analytic) / Math.max(1e-7, Math.abs(numeric) + Math.abs(analytic));
                if (Math.abs(numeric - analytic) > 1e-9 && err > worst) {
                    worst = err;
                    worstAt = e.getKey() + "[" + i + "] analytic " + analytic + " numeric " + numeric;
                }
                checked++;
            }
        }
        assertTrue(loss > 0);
        assertTrue(checked > 100);
        assertTrue(worst < 1e-5, label + ": worst relative error " + worst + " at " + worstAt);
    }

    private static double lossOf(Transformer m, int[] tokens, int[] targets, int b, int t, int pad) {
        Transformer.Activations a = m.forward(tokens, b, t, false, HookedModel.HookEditor.NONE);
        return Transformer.crossEntropy(a.logits(), targets, pad, false).mean();
    }
}
