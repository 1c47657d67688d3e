package dev.attnlab.train;

import dev.attnlab.model.Kernels;
import dev.attnlab.model.Transformer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW} computes it (decoupled weight decay
 * p ← p·(1 − lr·wd), bias-corrected moments, eps added to sqrt(v̂)). Weight matrices always decay;
 * embeddings only with decay_embeddings; biases and layer-norm parameters only with decay_biases.
 */
public final class AdamW {

    private final double beta1, beta2, eps, weightDecay;
    private final boolean decayEmbeddings, decayBiases;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long t;

    public AdamW(Map<String, INDArray> params, double beta1, double beta2, double eps, double weightDecay,
                 boolean decayEmbeddings, boolean decayBiases) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decayEmbeddings = decayEmbeddings;
        this.decayBiases = decayBiases;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            params.forEach((name, p) -> {
                m.put(name, Nd4j.zeros(p.dataType(), p.shape()));
                v.put(name, Nd4j.zeros(p.dataType(), p.shape()));
            });
        }
    }

    public boolean decays(String name) {
        if (Transformer.isEmbedding(name)) return decayEmbeddings;
        if (Transformer.isBiasLike(name)) return decayBiases;
        return true;
    }

    /** One update of every parameter in place with learning rate {@code lr}, gradients scaled by {@code gradScale} (clipping). */
    public void update(Map<String, INDArray> params, Map<String, INDArray> grads, double lr, double gradScale) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            double decay = weightDecay != 0 && decays(name) ? 1 - lr * weightDecay : 1.0;
            Kernels.adamw(e.getValue(), grads.get(name), m.get(name), v.get(name), decay, gradScale,
                    beta1, beta2, lr / bc1, sqrtBc2, eps);
        }
    }

    public long steps() { return t; }

    /** Moments by name ("m." / "v." prefixed) for checkpoints. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m." + k, a));
        v.forEach((k, a) -> s.put("v." + k, a));
        return s;
    }

    public void restore(Map<String, INDArray> state, long steps) {
        for (String k : m.keySet()) {
            INDArray sm = state.get("m." + k), sv = state.get("v." + k);
            if (sm == null || sv == null) throw new IllegalArgumentException("optimizer state lacks " + k);
            m.get(k).assign(sm);
            v.get(k).assign(sv);
        }
        this.t = steps;
    }
}
