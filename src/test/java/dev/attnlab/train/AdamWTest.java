package dev.attnlab.train;

import dev.attnlab.spec.TrainSpec;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** Three steps against torch.optim.AdamW's formula written out in scalars. */
    @Test
    void matchesPyTorchAdamWFormula() {
        double lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.5;
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("blocks.0.attn.W_Q", Nd4j.createFromArray(1.0, -2.0));   // decays
        params.put("blocks.0.attn.b_Q", Nd4j.createFromArray(1.0, -2.0));   // bias: no decay
        params.put("embed.W_E", Nd4j.createFromArray(1.0, -2.0));           // embedding: no decay
        AdamW opt = new AdamW(params, b1, b2, eps, wd, false, false);
        double[][] grads = {{0.3, -0.1}, {-0.2, 0.4}, {0.05, 0.05}};
        double[] m = new double[4], v = new double[4];
        double[] pw = {1.0, -2.0, 1.0, -2.0};                               // decaying, then non-decaying
        for (int t = 1; t <= 3; t++) {
            Map<String, INDArray> g = new LinkedHashMap<>();
            for (String k : params.keySet()) g.put(k, Nd4j.createFromArray(grads[t - 1]));
            opt.update(params, g, lr, 1.0);
            for (int j = 0; j < 4; j++) {
                double gi = grads[t - 1][j % 2];
                if (j < 2) pw[j] *= 1 - lr * wd;
                m[j] = b1 * m[j] + (1 - b1) * gi;
                v[j] = b2 * v[j] + (1 - b2) * gi * gi;
                double mh = m[j] / (1 - Math.pow(b1, t)), vh = v[j] / (1 - Math.pow(b2, t));
                pw[j] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        INDArray w = params.get("blocks.0.attn.W_Q"), b = params.get("blocks.0.attn.b_Q"), e = params.get("embed.W_E");
        assertEquals(pw[0], w.getDouble(0), 1e-12);
        assertEquals(pw[1], w.getDouble(1), 1e-12);
        assertEquals(pw[2], b.getDouble(0), 1e-12);
        assertEquals(pw[3], b.getDouble(1), 1e-12);
        assertEquals(b.getDouble(0), e.getDouble(0), 0.0);
        assertTrue(Math.abs(w.getDouble(0) - b.getDouble(0)) > 1e-3, "weight decay applied to weights only");
    }

    @Test
    void decayGroupsFollowTheFlags() {
        Map<String, INDArray> p = Map.of("embed.W_E", Nd4j.zeros(DataType.FLOAT, 1), "unembed.b_U", Nd4j.zeros(DataType.FLOAT, 1),
                "ln_final.w", Nd4j.zeros(DataType.FLOAT, 1), "unembed.W_U", Nd4j.zeros(DataType.FLOAT, 1));
        AdamW none = new AdamW(p, 0.9, 0.999, 1e-8, 0.1, false, false);
        assertTrue(none.decays("unembed.W_U"));
        assertTrue(!none.decays("embed.W_E") && !none.decays("unembed.b_U") && !none.decays("ln_final.w"));
        AdamW all = new AdamW(p, 0.9, 0.999, 1e-8, 0.1, true, true);
        assertTrue(all.decays("embed.W_E") && all.decays("unembed.b_U") && all.decays("ln_final.w"));
    }

    @Test
    void warmupCosineSchedule() {
        LrSchedule s = new LrSchedule(TrainSpec.Schedule.WARMUP_COSINE, 1.0, 10, 0.1, 110);
        assertEquals(0.1, s.at(0), 1e-12);
        assertEquals(1.0, s.at(9), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(0.55, s.at(60), 1e-12);
        assertEquals(0.1, s.at(110), 1e-12);
        assertEquals(0.3, new LrSchedule(TrainSpec.Schedule.CONSTANT, 0.3, 10, 0.1, 110).at(5), 0.0);
    }
}
