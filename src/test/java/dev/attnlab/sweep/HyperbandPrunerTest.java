package dev.attnlab.sweep;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HyperbandPrunerTest {

    private final HyperbandPruner minimize = new HyperbandPruner(new SweepSpec.Hyperband(2, 3),
            new SweepSpec.Metric("val/loss", SweepSpec.Goal.MINIMIZE));

    @Test
    void rungsSitAtMinIterTimesEtaPowers() {
        assertEquals(List.of(2L, 6L, 18L, 54L), minimize.rungs(4));
        assertEquals(Optional.of(0), minimize.rungAt(2));
        assertEquals(Optional.of(1), minimize.rungAt(6));
        assertEquals(Optional.of(2), minimize.rungAt(18));
        for (int i : new int[]{1, 3, 4, 5, 7, 17, 19}) {
            assertEquals(Optional.empty(), minimize.rungAt(i), "iteration " + i);
        }
    }

    @Test
    void keepsOnlyTheBestThirdAtARung() {
        // the first trial at a rung always continues
        assertTrue(minimize.decide(0, 2, 5.0, List.of()).isEmpty());
        // 2 values [4, 5]: the 1/3 quantile is 4.33: 5 stops, 4 goes on
        Optional<String> stop = minimize.decide(0, 2, 5.0, List.of(4.0));
        assertTrue(stop.isPresent());
        assertTrue(stop.get().startsWith("hyperband: val/loss = 5.00000 at iteration 2 (rung 0)"), stop.get());
        assertTrue(stop.get().contains("best 1/3 of the 2 trials"), stop.get());
        assertTrue(minimize.decide(0, 2, 4.0, List.of(5.0)).isEmpty());
        // ties with the cutoff go on
        assertTrue(minimize.decide(0, 2, 3.0, List.of(3.0, 3.0)).isEmpty());
    }

    @Test
    void maximizeFlipsTheOrder() {
        HyperbandPruner maximize = new HyperbandPruner(new SweepSpec.Hyperband(1, 2),
                new SweepSpec.Metric("eval/acc", SweepSpec.Goal.MAXIMIZE));
        assertTrue(maximize.decide(0, 1, 0.9, List.of(0.5, 0.6, 0.7)).isEmpty());
        assertTrue(maximize.decide(0, 1, 0.55, List.of(0.5, 0.6, 0.7)).isPresent());
    }

    /**
     * A scripted stream: six trials report in turn at each evaluation, as an asynchronous sweep
     * would see them; every decision is checked against the rule computed by hand.
     */
    @Test
    void scriptedMetricStreamStopsTheExpectedTrialsAtTheExpectedRungs() {
        HyperbandPruner pruner = new HyperbandPruner(new SweepSpec.Hyperband(1, 2),
                new SweepSpec.Metric("val/loss", SweepSpec.Goal.MINIMIZE));
        // losses per evaluation (iteration 1..4); rungs at 1, 2, 4
        double[][] curves = {
                {5.0, 4.0, 3.5, 3.0},   // t0 first everywhere: never stopped
                {6.0, 5.5, 5.0, 4.5},   // t1 rung0: [5,6] q1/2=5.5 → 6 > 5.5 stop at iteration 1
                {4.8, 3.9, 3.4, 2.9},   // t2 rung0 [5,6,4.8] q=5.0 ok; rung1 [4,3.9] q=3.95 ok; rung2 [3,2.9] ok
                {5.2, 3.8, 3.6, 3.5},   // t3 rung0 [4.8,5,5.2,6] q=5.1 → 5.2 stop
                {4.9, 4.5, 4.0, 3.9},   // t4 rung0 [4.8,4.9,5,5.2,6] q=5.0 ok; rung1 [3.9,4,4.5] q=4.0 → stop at 2
                {4.0, 3.0, 2.5, 2.0},   // t5 best throughout
        };
        java.util.Map<Integer, java.util.Map<Integer, Double>> rungs = new java.util.HashMap<>();
        int[] stoppedAt = new int[curves.length];
        for (int iteration = 1; iteration <= 4; iteration++) {
            for (int t = 0; t < curves.length; t++) {
                if (stoppedAt[t] != 0) {
                    continue;
                }
                Optional<Integer> rung = pruner.rungAt(iteration);
                if (rung.isEmpty()) {
                    continue;
                }
                java.util.Map<Integer, Double> at = rungs.computeIfAbsent(rung.get(), k -> new java.util.TreeMap<>());
                Optional<String> d = pruner.decide(rung.get(), iteration, curves[t][iteration - 1], List.copyOf(at.values()));
                at.put(t, curves[t][iteration - 1]);
                if (d.isPresent()) {
                    stoppedAt[t] = iteration;
                }
            }
        }
        assertEquals(0, stoppedAt[0]);
        assertEquals(1, stoppedAt[1]);
        assertEquals(0, stoppedAt[2]);
        assertEquals(1, stoppedAt[3]);
        assertEquals(2, stoppedAt[4]);
        assertEquals(0, stoppedAt[5]);
        assertFalse(rungs.get(2).containsKey(4), "a stopped trial records nothing at later rungs");
    }

    @Test
    void quantileInterpolatesLinearly() {
        assertEquals(4.0, HyperbandPruner.quantile(List.of(4.0), 1.0 / 3), 1e-12);
        assertEquals(4.0 + 1.0 / 3, HyperbandPruner.quantile(List.of(4.0, 5.0), 1.0 / 3), 1e-12);
        assertEquals(2.0, HyperbandPruner.quantile(List.of(1.0, 2.0, 3.0), 0.5), 1e-12);
    }
}
