package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tracking overhead on a SIMULATED training loop (for bench/tracking_overhead.sh until the real
 * trainer is wired in there): each step does a fixed dense matmul (the "compute") and then logs
 * what the trainer logs per step — train/loss, train/lr, train/grad_norm, train/tokens_per_s —
 * plus val/loss and val/ppl every 200 steps. Trials alternate tracking off (Tracker.NONE) and the
 * MLflow tracker (server from MLFLOW_TRACKING_URI), so drift hits both alike. Besides wall-clock
 * steps/s it reports the training thread's own CPU time per step, which other processes
 * competing for the cores (a co-located MLflow server included) do not disturb. Prints one JSON line.
 *
 * <pre>--steps N (3000) --matrix M (160: step compute = one MxM matmul) --trials T (3)</pre>
 */
public final class TrackingOverheadBench {
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int steps = 3000, matrix = 160, trials = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--matrix" -> matrix = Integer.parseInt(args[i + 1]);
                case "--trials" -> trials = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        RunLog quiet = new RunLog() {
            @Override public void info(String m) { }
            @Override public void warn(String m) { System.err.println("warning: " + m); }
        };
        double[] a = random(matrix, 1), b = random(matrix, 2), c = new double[matrix * matrix];
        loop(Tracker.NONE, 200, matrix, a, b, c); // JIT warm-up
        List<Double> off = new ArrayList<>(), on = new ArrayList<>(), closeMs = new ArrayList<>();
        List<Double> cpuOff = new ArrayList<>(), cpuOn = new ArrayList<>();
        Path runs = Files.createTempDirectory("attnlab-bench-runs");
        for (int t = 0; t < trials; t++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            off.add(loop(Tracker.NONE, steps, matrix, a, b, c));
            cpuOff.add((THREADS.getCurrentThreadCpuTime() - c0) / 1e6 / steps);
            Tracker mlflow = new MlflowBackend().open(MlflowServers.spec("tracking-overhead-bench", "attnlab-bench", null, Map.of()),
                    Files.createDirectories(runs.resolve("trial-" + t)), Map.of("bench", "tracking_overhead"), quiet);
            c0 = THREADS.getCurrentThreadCpuTime();
            on.add(loop(mlflow, steps, matrix, a, b, c));
            cpuOn.add((THREADS.getCurrentThreadCpuTime() - c0) / 1e6 / steps);
            long t0 = System.nanoTime();
            mlflow.close();
            closeMs.add((System.nanoTime() - t0) / 1e6);
        }
        double offMedian = median(off), onMedian = median(on);
        System.out.printf("{\"mode\": \"simulated\", \"steps\": %d, \"matrix\": %d, \"trials\": %d, "
                        + "\"step_ms_off\": %.3f, \"steps_per_s_off\": %.1f, \"steps_per_s_mlflow\": %.1f, "
                        + "\"overhead_percent\": %.2f, \"metrics_per_step\": 4, \"close_ms_median\": %.0f, "
                        + "\"train_thread_cpu_ms_per_step_off\": %.4f, \"train_thread_cpu_ms_per_step_mlflow\": %.4f, "
                        + "\"steps_per_s_off_all\": %s, \"steps_per_s_mlflow_all\": %s}%n",
                steps, matrix, trials, 1000.0 / offMedian, offMedian, onMedian,
                100.0 * (offMedian - onMedian) / offMedian, median(closeMs), median(cpuOff), median(cpuOn), fmt(off), fmt(on));
    }

    /** Steps per second of one simulated training run logging to {@code tracker}. */
    private static double loop(Tracker tracker, int steps, int m, double[] a, double[] b, double[] c) {
        long t0 = System.nanoTime();
        double loss = 7;
        for (int s = 1; s <= steps; s++) {
            matmul(a, b, c, m);
            loss = loss * 0.999 + c[s % c.length] * 1e-9;
            tracker.logMetric("train/loss", loss, s);
            tracker.logMetric("train/lr", 1e-3, s);
            tracker.logMetric("train/grad_norm", Math.abs(c[(7 * s) % c.length]) * 1e-3, s);
            tracker.logMetric("train/tokens_per_s", 40_000 + s % 100, s);
            if (s % 200 == 0) {
                tracker.logMetric("val/loss", loss + 0.1, s);
                tracker.logMetric("val/ppl", Math.exp(loss + 0.1), s);
            }
        }
        return steps / ((System.nanoTime() - t0) / 1e9);
    }

    private static void matmul(double[] a, double[] b, double[] c, int m) {
        Arrays.fill(c, 0);
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < m; k++) {
                double aik = a[i * m + k];
                for (int j = 0; j < m; j++) {
                    c[i * m + j] += aik * b[k * m + j];
                }
            }
        }
    }

    private static double[] random(int m, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] x = new double[m * m];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        return x;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format("%.1f", x)).toList().toString();
    }
}
