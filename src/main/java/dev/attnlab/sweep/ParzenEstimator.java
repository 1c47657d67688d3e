package dev.attnlab.sweep;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A one-dimensional Parzen estimator as in Optuna's TPE (univariate): a weighted mixture of
 * Gaussians truncated to [low, high], one at each observation plus a wide prior at the centre.
 * Each observation's bandwidth is the larger distance to its sorted neighbours (the prior and the
 * bounds included), clipped to [(high-low)/min(100, 1+n), high-low] ("magic clip"). With a
 * {@code step} (integers, q_uniform) the density becomes the probability of the step's interval.
 * Values are in the sampler's internal space (log for log-uniform parameters).
 */
final class ParzenEstimator {

    private final double low;
    private final double high;
    private final double step;
    private final double[] mus;
    private final double[] sigmas;
    private final double[] logWeights;
    private final double[] cumulative;
    private final double[] logNormalisers;

    /**
     * @param observations internal values, in trial order (older first)
     * @param weights      one per observation (same order), > 0
     * @param step         0 for continuous; otherwise the grid step (values are low + k*step)
     */
    ParzenEstimator(double[] observations, double[] weights, double low, double high, double step) {
        this.low = low;
        this.high = high;
        this.step = step;
        int n = observations.length;
        double span = high - low + step;
        double prior = 0.5 * (low + high);
        this.mus = Arrays.copyOf(observations, n + 1);
        mus[n] = prior;
        this.sigmas = new double[n + 1];
        double[] sigma = neighbourSigmas(observations, prior, low - step / 2, high + step / 2);
        double minSigma = span / Math.min(100.0, 1.0 + (n + 1));
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.min(span, Math.max(minSigma, sigma[i]));
        }
        sigmas[n] = span;
        double[] w = Arrays.copyOf(weights, n + 1);
        w[n] = 1.0; // Optuna's prior_weight
        double total = Arrays.stream(w).sum();
        this.logWeights = new double[n + 1];
        this.cumulative = new double[n + 1];
        this.logNormalisers = new double[n + 1];
        double acc = 0;
        for (int i = 0; i <= n; i++) {
            logWeights[i] = Math.log(w[i] / total);
            acc += w[i] / total;
            cumulative[i] = acc;
            double mass = Gauss.cdf((high + step / 2 - mus[i]) / sigmas[i]) - Gauss.cdf((low - step / 2 - mus[i]) / sigmas[i]);
            logNormalisers[i] = Math.log(Math.max(mass, 1e-300));
        }
    }

    /**
     * Bandwidths: for each observation the larger gap to its neighbours in the sorted list of
     * observations plus the prior, with the bounds as outer neighbours; the outermost points use
     * their inner gap only (Optuna's consider_endpoints=False).
     */
    private static double[] neighbourSigmas(double[] obs, double prior, double lo, double hi) {
        int n = obs.length;
        double[] all = Arrays.copyOf(obs, n + 1);
        all[n] = prior;
        Integer[] order = new Integer[n + 1];
        for (int i = 0; i <= n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
        double[] sorted = new double[n + 3];
        sorted[0] = lo;
        for (int i = 0; i <= n; i++) {
            sorted[i + 1] = all[order[i]];
        }
        sorted[n + 2] = hi;
        double[] sortedSigma = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            sortedSigma[i] = Math.max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
        }
        if (n + 3 >= 4) {
            sortedSigma[0] = sorted[2] - sorted[1];
            sortedSigma[n] = sorted[n + 1] - sorted[n];
        }
        double[] out = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            out[order[i]] = sortedSigma[i];
        }
        return Arrays.copyOf(out, n);
    }

    /** A draw from the mixture: pick a component by weight, then its truncated Gaussian. */
    double sample(SplittableRandom rng) {
        double u = rng.nextDouble();
        int k = 0;
        while (k < cumulative.length - 1 && u > cumulative[k]) {
            k++;
        }
        double lo = low - step / 2;
        double hi = high + step / 2;
        double x = Double.NaN;
        for (int attempt = 0; attempt < 1000; attempt++) {
            double g = mus[k] + sigmas[k] * Gauss.standard(rng);
            if (g >= lo && g <= hi) {
                x = g;
                break;
            }
        }
        if (Double.isNaN(x)) {
            x = Math.min(hi, Math.max(lo, mus[k]));
        }
        if (step > 0) {
            x = low + Math.round((x - low) / step) * step;
            x = Math.min(high, Math.max(low, x));
        }
        return x;
    }

    /** log density (continuous) or log probability of x's step interval (discrete). */
    double logPdf(double x) {
        double[] terms = new double[mus.length];
        for (int i = 0; i < mus.length; i++) {
            double s = sigmas[i];
            double log;
            if (step > 0) {
                double mass = Gauss.cdf((x + step / 2 - mus[i]) / s) - Gauss.cdf((x - step / 2 - mus[i]) / s);
                log = Math.log(Math.max(mass, 1e-300));
            } else {
                double z = (x - mus[i]) / s;
                log = -0.5 * z * z - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
            }
            terms[i] = logWeights[i] + log - logNormalisers[i];
        }
        return Gauss.logSumExp(terms);
    }
}
