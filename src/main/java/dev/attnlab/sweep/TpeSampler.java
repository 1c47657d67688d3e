package dev.attnlab.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Bayesian search with a tree-structured Parzen estimator, following Optuna's default
 * (univariate) TPESampler: the first {@value #STARTUP_TRIALS} trials are random; after that the
 * observed trials are split into the best {@code gamma(n) = min(ceil(0.1 n), 25)} ("good") and
 * the rest ("bad"), each parameter gets a Parzen estimator l(x) over the good and g(x) over the bad
 * values (log space for log-uniform ranges, categorical for value lists), {@value #CANDIDATES}
 * candidates are drawn from l, and the one maximising log l(x) − log g(x) is chosen. Older
 * observations are down-weighted once there are more than 25 (Optuna's default_weights).
 * Trials killed by early termination always count as bad: their loss is from earlier training;
 * so do diverged ones (loss +∞), which steers the search away from, say, too high a learning rate.
 */
public final class TpeSampler implements Sampler {

    static final int STARTUP_TRIALS = 10;
    static final int CANDIDATES = 24;

    private final List<Parameter> parameters;
    private final long seed;
    private final int startupTrials;

    public TpeSampler(List<Parameter> parameters, long seed) {
        this(parameters, seed, STARTUP_TRIALS);
    }

    TpeSampler(List<Parameter> parameters, long seed, int startupTrials) {
        this.parameters = List.copyOf(parameters);
        this.seed = seed;
        this.startupTrials = startupTrials;
    }

    @Override
    public Map<String, Object> sample(int index, List<Observation> history) {
        SplittableRandom rng = RandomSampler.rngFor(seed, index);
        Map<String, Object> out = new LinkedHashMap<>();
        if (history.size() < startupTrials) {
            for (Parameter p : parameters) {
                out.put(p.path(), RandomSampler.draw(p, rng));
            }
            return out;
        }
        List<Observation> good = new ArrayList<>();
        List<Observation> bad = new ArrayList<>();
        split(history, good, bad);
        for (Parameter p : parameters) {
            out.put(p.path(), p instanceof Parameter.Choice c
                    ? chooseCategory(c, good, bad, rng)
                    : chooseNumber((Parameter.Range) p, good, bad, rng));
        }
        return out;
    }

    static int gamma(int n) {
        return Math.min((int) Math.ceil(0.1 * n), 25);
    }

    /**
     * Good = the gamma(n) lowest losses among completed trials, never a killed or diverged one (so
     * "good" may hold fewer); both lists keep trial order.
     */
    static void split(List<Observation> history, List<Observation> good, List<Observation> bad) {
        int nGood = gamma(history.size());
        List<Integer> ranked = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            ranked.add(i);
        }
        ranked.sort(Comparator.<Integer>comparingInt(i -> history.get(i).killed() ? 1 : 0)
                .thenComparingDouble(i -> history.get(i).loss()));
        boolean[] isGood = new boolean[history.size()];
        for (int r = 0; r < nGood; r++) {
            Observation o = history.get(ranked.get(r));
            isGood[ranked.get(r)] = !o.killed() && Double.isFinite(o.loss());
        }
        for (int i = 0; i < history.size(); i++) {
            (isGood[i] ? good : bad).add(history.get(i));
        }
    }

    /** Optuna's default_weights: flat for up to 25 observations, then a ramp favouring recent ones. */
    static double[] weights(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        if (n > 25) {
            int ramp = n - 25;
            for (int i = 0; i < ramp; i++) {
                w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
            }
        }
        return w;
    }

    /** Internal-space bounds of a range: log space for log-uniform (widened by ½ for integers). */
    static double[] internalBounds(Parameter.Range r) {
        if (r.distribution() == Parameter.Distribution.LOG_UNIFORM_VALUES) {
            double lo = r.integer() ? Math.max(r.min() - 0.5, r.min() / 2) : r.min();
            double hi = r.integer() ? r.max() + 0.5 : r.max();
            return new double[]{Math.log(lo), Math.log(hi)};
        }
        return new double[]{r.min(), r.max()};
    }

    private static double stepOf(Parameter.Range r) {
        return switch (r.distribution()) {
            case INT_UNIFORM -> 1.0;
            case Q_UNIFORM -> r.q();
            default -> r.integer() && r.distribution() == Parameter.Distribution.UNIFORM ? 1.0 : 0.0;
        };
    }

    private Object chooseNumber(Parameter.Range r, List<Observation> good, List<Observation> bad, SplittableRandom rng) {
        double[] bounds = internalBounds(r);
        double step = stepOf(r);
        double high = bounds[1];
        if (step > 0) {
            // the grid's last point, so that low + k*step covers exactly the valid values
            high = bounds[0] + Math.floor((bounds[1] - bounds[0]) / step + 1e-9) * step;
        }
        ParzenEstimator l = estimator(r, good, bounds[0], high, step);
        ParzenEstimator g = estimator(r, bad, bounds[0], high, step);
        double best = Double.NaN;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CANDIDATES; c++) {
            double x = l.sample(rng);
            double score = l.logPdf(x) - g.logPdf(x);
            if (score > bestScore) {
                bestScore = score;
                best = x;
            }
        }
        return r.normalise(r.distribution().fromInternal(best));
    }

    private static ParzenEstimator estimator(Parameter.Range r, List<Observation> obs, double low, double high, double step) {
        double[] xs = new double[obs.size()];
        for (int i = 0; i < xs.length; i++) {
            double v = ((Number) obs.get(i).params().get(r.path())).doubleValue();
            xs[i] = Math.min(high, Math.max(low, r.distribution().toInternal(v)));
        }
        return new ParzenEstimator(xs, weights(xs.length), low, high, step);
    }

    /**
     * Categorical Parzen estimator (Optuna's): each observation is a kernel putting mass 1 on its
     * category plus prior_weight/(n+1) spread evenly; the prior kernel is uniform.
     */
    private static double[] categoryProbabilities(Parameter.Choice c, List<Observation> obs) {
        int k = c.values().size();
        int n = obs.size();
        double[] w = Arrays.copyOf(weights(n), n + 1);
        w[n] = 1.0;
        double totalWeight = Arrays.stream(w).sum();
        double[] p = new double[k];
        double spread = 1.0 / (n + 1);
        for (int i = 0; i <= n; i++) {
            double[] kernel = new double[k];
            Arrays.fill(kernel, spread);
            if (i < n) {
                int idx = c.values().indexOf(obs.get(i).params().get(c.path()));
                if (idx >= 0) {
                    kernel[idx] += 1.0;
                }
            }
            double sum = Arrays.stream(kernel).sum();
            for (int j = 0; j < k; j++) {
                p[j] += (w[i] / totalWeight) * kernel[j] / sum;
            }
        }
        return p;
    }

    private static Object chooseCategory(Parameter.Choice c, List<Observation> good, List<Observation> bad, SplittableRandom rng) {
        double[] l = categoryProbabilities(c, good);
        double[] g = categoryProbabilities(c, bad);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int cand = 0; cand < CANDIDATES; cand++) {
            double u = rng.nextDouble();
            int j = 0;
            double acc = l[0];
            while (j < l.length - 1 && u > acc) {
                j++;
                acc += l[j];
            }
            double score = Math.log(l[j]) - Math.log(g[j]);
            if (score > bestScore) {
                bestScore = score;
                best = j;
            }
        }
        return c.values().get(best);
    }
}
