package dev.attnlab.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (bench/sweep-samplers.sh): how long choosing a trial takes with each sampler as the
 * history grows, over the imdb-1l-sweep space. The sweep samples inside its state lock, so this
 * is also how long other workers may wait for a claim.
 */
public final class SamplerBench {

    private SamplerBench() {
    }

    public static void main(String[] args) {
        List<Parameter> space = List.of(
                new Parameter.Range("train.lr", 1e-4, 1e-2, Parameter.Distribution.LOG_UNIFORM_VALUES, 1, false),
                new Parameter.Choice("model.d_model", List.of(64L, 128L, 256L)),
                new Parameter.Choice("model.n_heads", List.of(2L, 4L, 8L)),
                new Parameter.Range("train.warmup_steps", 0, 1000, Parameter.Distribution.INT_UNIFORM, 1, true));
        System.out.println("history  sampler  ms/sample (median of 51)");
        for (int n : new int[]{10, 100, 1000, 5000}) {
            List<Sampler.Observation> history = new ArrayList<>();
            RandomSampler filler = new RandomSampler(space, 1);
            for (int i = 0; i < n; i++) {
                Map<String, Object> p = filler.sample(i, List.of());
                history.add(new Sampler.Observation(p, SamplerTest.objective(Map.of("train.lr", p.get("train.lr"),
                        "model.d_model", p.get("model.d_model"), "train.weight_decay", 0.03)), false));
            }
            for (Sampler s : List.of(new RandomSampler(space, 2), new TpeSampler(space, 2))) {
                double[] ms = new double[51];
                for (int r = 0; r < 5; r++) {
                    s.sample(n + r, history); // warm-up
                }
                for (int r = 0; r < ms.length; r++) {
                    long t0 = System.nanoTime();
                    s.sample(n + r, history);
                    ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                java.util.Arrays.sort(ms);
                System.out.printf(Locale.ROOT, "%7d  %-7s  %.3f%n", n, s instanceof TpeSampler ? "tpe" : "random", ms[25]);
            }
        }
    }
}
