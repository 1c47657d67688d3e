package dev.attnlab.sweep;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Hyperband-style early termination, run asynchronously as in ASHA: rungs sit at
 * {@code min_iter × eta^k} metric reports (k = 0, 1, ...; an "iteration" is one report of the
 * sweep's metric, i.e. one evaluation). When a trial reaches a rung, its value is compared with
 * every value recorded at that rung so far (its own included): it goes on only if it is among
 * the best {@code 1/eta} — precisely, if its loss is at most the {@code 1/eta} quantile (linear
 * interpolation) of those losses. The first trial at a rung always goes on. Pure: the rung
 * records live in the sweep state so that every worker, and a resumed sweep, sees them.
 */
public final class HyperbandPruner {

    private final SweepSpec.Hyperband config;
    private final SweepSpec.Metric metric;

    public HyperbandPruner(SweepSpec.Hyperband config, SweepSpec.Metric metric) {
        this.config = config;
        this.metric = metric;
    }

    /** The rung index if {@code iteration} (1-based count of metric reports) is a rung, else empty. */
    public Optional<Integer> rungAt(int iteration) {
        long r = config.minIter();
        for (int k = 0; r <= iteration; k++) {
            if (r == iteration) {
                return Optional.of(k);
            }
            r *= config.eta();
        }
        return Optional.empty();
    }

    /** The first {@code n} rung iterations, for documentation and logs. */
    public List<Long> rungs(int n) {
        List<Long> out = new ArrayList<>();
        long r = config.minIter();
        for (int k = 0; k < n; k++, r *= config.eta()) {
            out.add(r);
        }
        return out;
    }

    /**
     * @param value          the trial's metric at this rung (raw, not goal-adjusted)
     * @param othersAtRung   raw values other trials recorded at this rung
     * @return empty to continue, or the reason to stop
     */
    public Optional<String> decide(int rung, int iteration, double value, Collection<Double> othersAtRung) {
        List<Double> losses = new ArrayList<>();
        for (double v : othersAtRung) {
            losses.add(metric.goal().asLoss(v));
        }
        double loss = metric.goal().asLoss(value);
        losses.add(loss);
        losses.sort(Double::compare);
        double cutoff = quantile(losses, 1.0 / config.eta());
        if (loss <= cutoff) {
            return Optional.empty();
        }
        return Optional.of(String.format(java.util.Locale.ROOT,
                "hyperband: %s = %.6g at iteration %d (rung %d) is outside the best 1/%d of the %d trials"
                        + " that reached this rung (cutoff %.6g)",
                metric.name(), value, iteration, rung, config.eta(), losses.size(), metric.goal().asLoss(cutoff)));
    }

    /** The q-quantile of sorted values, linear interpolation between order statistics. */
    static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }
}
