package dev.attnlab.sweep;

import dev.attnlab.tracking.Tracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stands in for {@code attnlab run SPEC --set k=v ...} in process tests: logs a val/loss curve
 * through {@link TrialEnvironment#metricReport}, as the runner does, and records what it was given
 * in the file named by {@code -Dfake.out}; {@code train.steps} sets the number of evaluations.
 * {@code --set fake.crash=true} exits with code 3; {@code --set fake.diverge=METRIC} reports an
 * infinite value of METRIC and exits with code 1, as a diverging run does.
 */
public final class FakeTrialMain {

    private FakeTrialMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> sets = new LinkedHashMap<>();
        String projectDir = null;
        for (int i = 2; i + 1 < args.length; i += 2) {
            if (args[i].equals("--project-dir")) {
                projectDir = args[i + 1];
                continue;
            }
            String[] kv = args[i + 1].split("=", 2);
            sets.put(kv[0], kv[1]);
        }
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("project_dir", projectDir);
        seen.put("command", args[0]);
        seen.put("spec", args[1]);
        seen.put("sets", sets);
        seen.put("omp", System.getenv("OMP_NUM_THREADS"));
        seen.put("tags", TrialEnvironment.runTags(System.getenv()));
        Files.writeString(Path.of(System.getProperty("fake.out")), SweepStore.JSON.writeValueAsString(seen));
        if ("true".equals(sets.get("fake.crash"))) {
            System.err.println("boom: the fake trial crashed");
            System.exit(3);
        }
        String divergingMetric = sets.get("fake.diverge");
        if (divergingMetric != null) {
            try (Tracker tracker = TrialEnvironment.metricReport(System.getenv()).orElse(Tracker.NONE)) {
                tracker.logMetric("val/loss", 5.0, 10);
                tracker.logMetric(divergingMetric, Double.POSITIVE_INFINITY, 17); // as Trainer does before it fails
            }
            System.err.println(divergingMetric + " became Infinity at step 17");
            System.exit(1);
        }
        int evals = Integer.parseInt(sets.getOrDefault("train.steps", "3"));
        double lr = Double.parseDouble(sets.getOrDefault("train.lr", "0.001"));
        try (Tracker tracker = TrialEnvironment.metricReport(System.getenv()).orElse(Tracker.NONE)) {
            for (int e = 1; e <= evals; e++) {
                tracker.logMetric("train/loss", 9.0, e * 10L);
                tracker.logMetric("val/loss", 1.0 + Math.abs(Math.log10(lr) + 3) + 1.0 / e, e * 10L);
                Thread.sleep(100);
            }
        }
    }
}
