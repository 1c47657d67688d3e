package dev.attnlab.train;

import dev.attnlab.spec.ModelSpec;

import dev.attnlab.model.Kernels;
import dev.attnlab.model.ModelConfig;
import dev.attnlab.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Training throughput of the default attention-only model on random tokens, for bench/: prints one
 * JSON line {"tokens_per_s", "step_ms", "rss_mb_start", "rss_mb_end"}. Same optimizer as training
 * (AdamW lr 1e-3, wd 0.01, no decay on embeddings/biases), init scale 0.02. Run it with
 * {@code --add-modules jdk.incubator.vector} (vectorised exp) and OMP_NUM_THREADS set to the threads wanted.
 *
 * <pre>--vocab V --d-model D --heads H --n-ctx T --batch B --layers L --steps N --warmup W --seed S</pre>
 */
public final class ThroughputBench {

    public static void main(String[] args) throws IOException, InterruptedException {
        if (!Kernels.VECTOR && System.getProperty("attnlab.bench.child") == null) {
            System.exit(relaunchWithVectorApi(args));
        }
        Map<String, Integer> a = new HashMap<>(Map.of("vocab", 1000, "d-model", 128, "heads", 4, "n-ctx", 128,
                "batch", 16, "layers", 1, "steps", 50, "warmup", 5, "seed", 0));
        for (int i = 0; i < args.length; i++) {
            String k = args[i].replaceFirst("^--", "");
            if (!a.containsKey(k) || i + 1 >= args.length) {
                System.err.println("usage: ThroughputBench --vocab V --d-model D --heads H --n-ctx T --batch B"
                        + " --layers L --steps N --warmup W --seed S   (unknown or valueless: " + args[i] + ")");
                System.exit(2);
            }
            a.put(k, Integer.parseInt(args[++i]));
        }
        int v = a.get("vocab"), d = a.get("d-model"), h = a.get("heads"), t = a.get("n-ctx"), b = a.get("batch");
        ModelConfig cfg = new ModelConfig(a.get("layers"), d, h, d / h, t, v, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0,
                true, false, true, true, 0.02);
        Transformer model = Transformer.init(cfg, DataType.FLOAT, a.get("seed"));
        AdamW adam = new AdamW(model.parameters(), 0.9, 0.999, 1e-8, 0.01, false, false);
        TrainStep step = new TrainStep(model, adam, 0.0, -1);
        Random r = new Random(a.get("seed"));
        int rowLen = t + 1;
        int[] rows = new int[b * rowLen];
        double rssStart = -1;                                   // measured after warmup: workspaces are sized by then
        long timed = 0, cpuTimed = 0;
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int steps = a.get("steps"), warmup = a.get("warmup");
        double loss = 0;
        for (int s = 0; s < warmup + steps; s++) {
            if (s == warmup) rssStart = rssMb();
            for (int i = 0; i < rows.length; i++) rows[i] = r.nextInt(v);
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            loss = step.step(rows, b, rowLen, 1e-3).loss();
            if (s >= warmup) {
                timed += System.nanoTime() - t0;
                cpuTimed += os.getProcessCpuTime() - c0;
            }
        }
        double stepMs = timed / 1e6 / Math.max(1, steps);
        double tps = (double) b * t / (stepMs / 1e3);
        // cpu_ms_per_step: process CPU time (all threads) per step: less sensitive than wall time to
        // other processes competing for the cores
        System.out.printf("{\"tokens_per_s\": %.1f, \"step_ms\": %.2f, \"rss_mb_start\": %.1f, \"rss_mb_end\": %.1f,"
                        + " \"cpu_ms_per_step\": %.2f, \"threads\": %d, \"vector_api\": %b, \"final_loss\": %.4f}%n",
                tps, stepMs, rssStart, rssMb(), cpuTimed / 1e6 / Math.max(1, steps), Kernels.threads(), Kernels.VECTOR, loss);
    }

    /**
     * Runs this benchmark again in a JVM that has {@code --add-modules jdk.incubator.vector} (same JVM
     * options, class path and arguments), so that a caller who forgot the flag still measures the
     * vectorised kernels that training uses. This JVM's own flight recordings are dropped so that the
     * child's recording (same file) is the one kept.
     */
    private static int relaunchWithVectorApi(String[] args) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-Dattnlab.bench.child=true");
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ThroughputBench.class.getName());
        cmd.addAll(java.util.List.of(args));
        jdk.jfr.FlightRecorder.isAvailable();
        if (jdk.jfr.FlightRecorder.isInitialized()) {
            jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().forEach(jdk.jfr.Recording::close);
        }
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /** Resident set size of this process from /proc/self/status (MB), or -1 where there is none. */
    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
