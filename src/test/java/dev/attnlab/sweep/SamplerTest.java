package dev.attnlab.sweep;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    private static final Parameter LR = new Parameter.Range("train.lr", 1e-5, 1e-1,
            Parameter.Distribution.LOG_UNIFORM_VALUES, 1, false);
    private static final Parameter D_MODEL = new Parameter.Choice("model.d_model", List.of(64L, 128L, 256L));
    private static final Parameter HEADS = new Parameter.Choice("model.n_heads", List.of(1L, 2L, 4L, 8L));
    private static final Parameter WARMUP = new Parameter.Range("train.warmup_steps", 0, 1000,
            Parameter.Distribution.Q_UNIFORM, 250, true);
    private static final Parameter BATCH = new Parameter.Range("train.batch_size", 8, 64,
            Parameter.Distribution.INT_UNIFORM, 1, true);
    private static final Parameter DECAY = new Parameter.Range("train.weight_decay", 0.0, 0.1,
            Parameter.Distribution.UNIFORM, 1, false);

    @Test
    void gridEnumeratesTheExactCartesianProductInOrder() {
        GridSampler grid = new GridSampler(List.of(D_MODEL, HEADS, WARMUP));
        assertEquals(3 * 4 * 5, GridSampler.size(List.of(D_MODEL, HEADS, WARMUP)));
        List<Map<String, Object>> points = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            points.add(grid.sample(i, List.of()));
        }
        assertEquals(60, new HashSet<>(points).size(), "every point exactly once");
        // last parameter varies fastest, like itertools.product
        assertEquals(Map.of("model.d_model", 64L, "model.n_heads", 1L, "train.warmup_steps", 0L), points.get(0));
        assertEquals(Map.of("model.d_model", 64L, "model.n_heads", 1L, "train.warmup_steps", 250L), points.get(1));
        assertEquals(Map.of("model.d_model", 64L, "model.n_heads", 2L, "train.warmup_steps", 0L), points.get(5));
        assertEquals(Map.of("model.d_model", 256L, "model.n_heads", 8L, "train.warmup_steps", 1000L), points.get(59));
        Set<Object> warmups = new HashSet<>();
        points.forEach(p -> warmups.add(p.get("train.warmup_steps")));
        assertEquals(Set.of(0L, 250L, 500L, 750L, 1000L), warmups);
        assertThrows(IllegalArgumentException.class, () -> grid.sample(60, List.of()));
    }

    @Test
    void gridOverIntUniformIncludesBothEnds() {
        Parameter small = new Parameter.Range("model.n_layers", 1, 3, Parameter.Distribution.INT_UNIFORM, 1, true);
        GridSampler grid = new GridSampler(List.of(small));
        assertEquals(3, GridSampler.size(List.of(small)));
        assertEquals(List.of(1L, 2L, 3L), List.of(grid.sample(0, List.of()).get("model.n_layers"),
                grid.sample(1, List.of()).get("model.n_layers"), grid.sample(2, List.of()).get("model.n_layers")));
    }

    @Test
    void randomSamplingIsReproducibleBySeedAndIndependentOfOrder() {
        List<Parameter> space = List.of(LR, D_MODEL, HEADS, WARMUP, BATCH, DECAY);
        RandomSampler a = new RandomSampler(space, 42);
        RandomSampler b = new RandomSampler(space, 42);
        RandomSampler other = new RandomSampler(space, 43);
        List<Map<String, Object>> forward = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            forward.add(a.sample(i, List.of()));
        }
        for (int i = 49; i >= 0; i--) {
            assertEquals(forward.get(i), b.sample(i, List.of()), "trial " + i + " differs when drawn in another order");
        }
        assertNotEquals(forward.get(0), other.sample(0, List.of()));
        for (Map<String, Object> p : forward) {
            double lr = (Double) p.get("train.lr");
            assertTrue(lr >= 1e-5 && lr <= 1e-1, "lr " + lr);
            long warmup = (Long) p.get("train.warmup_steps");
            assertEquals(0, warmup % 250, "q_uniform on multiples of q");
            long batch = (Long) p.get("train.batch_size");
            assertTrue(batch >= 8 && batch <= 64);
            assertTrue(D_MODEL instanceof Parameter.Choice c && c.values().contains(p.get("model.d_model")));
        }
        // log-uniform: about as many draws below the geometric midpoint (1e-3) as above
        long below = 0;
        for (int i = 0; i < 2000; i++) {
            if ((Double) a.sample(i, List.of()).get("train.lr") < 1e-3) {
                below++;
            }
        }
        assertTrue(below > 900 && below < 1100, "log-uniform draws below 1e-3: " + below + " of 2000");
    }

    @Test
    void tpeIsReproducibleGivenTheSameHistory() {
        List<Parameter> space = List.of(LR, D_MODEL, DECAY);
        List<Sampler.Observation> h1 = run(new TpeSampler(space, 7), 30, SamplerTest::objective);
        List<Sampler.Observation> h2 = run(new TpeSampler(space, 7), 30, SamplerTest::objective);
        assertEquals(h1, h2);
    }

    /**
     * A shifted quadratic in the sweep's own kind of space (log learning rate, a categorical width,
     * a uniform weight decay): minimum 0 at lr = 10^-2.7, d_model 128, weight decay 0.03.
     */
    static double objective(Map<String, Object> p) {
        double logLr = Math.log10((Double) p.get("train.lr"));
        double d = ((Long) p.get("model.d_model")) == 128L ? 0.0 : 0.4;
        double wd = (Double) p.get("train.weight_decay");
        return Math.pow(logLr + 2.7, 2) + d + 20 * Math.pow(wd - 0.03, 2);
    }

    private static List<Sampler.Observation> run(Sampler sampler, int budget, ToDoubleFunction<Map<String, Object>> f) {
        List<Sampler.Observation> history = new ArrayList<>();
        for (int i = 0; i < budget; i++) {
            Map<String, Object> p = sampler.sample(i, List.copyOf(history));
            history.add(new Sampler.Observation(p, f.applyAsDouble(p), false));
        }
        return history;
    }

    private static double bestOf(List<Sampler.Observation> h) {
        return h.stream().mapToDouble(Sampler.Observation::loss).min().orElseThrow();
    }

    /**
     * TPE against random search at an equal budget of 40 trials over 20 seeds. Asserted: TPE's mean
     * best loss is lower by a margin larger than twice the standard error of the paired difference,
     * and TPE wins on at least 14 of 20 seeds (a sign test rejects "no better than random" at p < 0.06).
     */
    @Test
    void tpeBeatsRandomSearchAtEqualBudgetAveragedOverSeeds() {
        List<Parameter> space = List.of(LR, D_MODEL, DECAY);
        int seeds = 20;
        int budget = 40;
        double[] diff = new double[seeds];
        int wins = 0;
        double tpeSum = 0;
        double randomSum = 0;
        for (int s = 0; s < seeds; s++) {
            double tpe = bestOf(run(new TpeSampler(space, 1000 + s), budget, SamplerTest::objective));
            double random = bestOf(run(new RandomSampler(space, 1000 + s), budget, SamplerTest::objective));
            diff[s] = random - tpe;
            wins += tpe < random ? 1 : 0;
            tpeSum += tpe;
            randomSum += random;
        }
        double mean = java.util.Arrays.stream(diff).average().orElseThrow();
        double var = java.util.Arrays.stream(diff).map(x -> (x - mean) * (x - mean)).sum() / (seeds - 1);
        double se = Math.sqrt(var / seeds);
        String summary = String.format("mean best loss: TPE %.4f, random %.4f; paired difference %.4f ± %.4f (se); TPE wins %d/%d",
                tpeSum / seeds, randomSum / seeds, mean, se, wins, seeds);
        System.out.println(summary);
        assertTrue(mean > 2 * se, summary);
        assertTrue(wins >= 14, summary);
    }

    /**
     * Diverged trials (loss +∞) teach TPE where not to look. Objective: the {@link #objective}
     * quadratic, whose best learning rate (10^-2.7) sits just below a cliff at 10^-2.3 past which
     * training diverges, as in a real lr sweep. Over 10 seeds, after the random start-up: TPE that
     * learns from its diverged trials diverges less often than random search, and far less often
     * than TPE that leaves them out of its history (which keeps stepping past the cliff).
     */
    @Test
    void tpeLearnsToAvoidParametersWhoseTrainingDiverged() {
        List<Parameter> space = List.of(LR, D_MODEL, DECAY);
        ToDoubleFunction<Map<String, Object>> cliff = p -> (Double) p.get("train.lr") > Math.pow(10, -2.3)
                ? Double.POSITIVE_INFINITY : objective(p);
        int learning = 0;
        int ignoring = 0;
        int random = 0;
        for (int s = 0; s < 10; s++) {
            learning += divergedAfterStartup(new TpeSampler(space, 500 + s), cliff, true);
            ignoring += divergedAfterStartup(new TpeSampler(space, 500 + s), cliff, false);
            random += divergedAfterStartup(new RandomSampler(space, 500 + s), cliff, true);
        }
        String summary = "trials diverged after start-up (of 300): TPE " + learning + ", TPE ignoring divergence "
                + ignoring + ", random " + random;
        System.out.println(summary);
        assertTrue(learning < random, summary);
        assertTrue(learning * 2 < ignoring, summary);
    }

    /** Runs 40 trials; counts those after the start-up whose loss was infinite. */
    private static int divergedAfterStartup(Sampler sampler, ToDoubleFunction<Map<String, Object>> f, boolean learnFromDiverged) {
        List<Sampler.Observation> history = new ArrayList<>();
        int diverged = 0;
        for (int i = 0; i < 40; i++) {
            Map<String, Object> p = sampler.sample(i, List.copyOf(history));
            double loss = f.applyAsDouble(p);
            boolean infinite = Double.isInfinite(loss);
            diverged += i >= TpeSampler.STARTUP_TRIALS && infinite ? 1 : 0;
            if (learnFromDiverged || !infinite) {
                history.add(new Sampler.Observation(p, loss, false));
            }
        }
        return diverged;
    }

    /** A diverged trial is never one of the "good" ones, even when fewer than gamma(n) trials have a finite loss. */
    @Test
    void tpeNeverModelsDivergedTrialsAsGood() {
        List<Sampler.Observation> history = new ArrayList<>();
        history.add(new Sampler.Observation(Map.of("train.lr", 1e-4), 3.0, false));
        for (int i = 0; i < 19; i++) {
            history.add(new Sampler.Observation(Map.of("train.lr", 0.02 + 0.004 * i), Double.POSITIVE_INFINITY, false));
        }
        List<Sampler.Observation> good = new ArrayList<>();
        List<Sampler.Observation> bad = new ArrayList<>();
        TpeSampler.split(history, good, bad);
        assertEquals(2, TpeSampler.gamma(history.size()));
        assertEquals(List.of(history.get(0)), good, "only the finite trial is good");
        assertEquals(19, bad.size());
    }
}
