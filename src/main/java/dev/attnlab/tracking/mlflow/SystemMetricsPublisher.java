package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.Tracker;
import dev.attnlab.tracking.TrackingMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes JVM memory, GC, CPU and thread meters plus the run's stage timers and token counters
 * ({@link TrackingMeters}) to a tracker as {@code system/...} metrics at a fixed interval; MLflow's
 * UI lists {@code system/} keys in its system-metrics view. Steps count publications (0, 1, 2, ...).
 */
final class SystemMetricsPublisher implements AutoCloseable {
    private static final double MB = 1024.0 * 1024.0;

    private final Tracker target;
    private final RunLog log;
    private boolean warned;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ScheduledExecutorService timer;
    private final CpuSampler cpu = new CpuSampler();
    private long step;

    SystemMetricsPublisher(Tracker target, Duration interval, RunLog log) {
        this.target = target;
        this.log = log;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        Metrics.addRegistry(registry); // the run's stage timers and token counters land here too
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mlflow-system-metrics");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::publish, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The current values, keyed as they appear in MLflow. */
    static Map<String, Double> snapshot(MeterRegistry registry) {
        Map<String, Double> out = new TreeMap<>();
        out.put("system/jvm_heap_used_megabytes", sumGauge(registry, "jvm.memory.used", "heap") / MB);
        out.put("system/jvm_heap_committed_megabytes", sumGauge(registry, "jvm.memory.committed", "heap") / MB);
        out.put("system/jvm_nonheap_used_megabytes", sumGauge(registry, "jvm.memory.used", "nonheap") / MB);
        gauge(registry, "system.load.average.1m").ifPresent(v -> out.put("system/load_average_1m", v));
        gauge(registry, "jvm.threads.live").ifPresent(v -> out.put("system/jvm_threads_live", v));
        gauge(registry, "jvm.threads.peak").ifPresent(v -> out.put("system/jvm_threads_peak", v));
        double pauseSeconds = 0;
        long pauses = 0;
        for (Timer t : registry.find("jvm.gc.pause").timers()) {
            pauseSeconds += t.totalTime(TimeUnit.SECONDS);
            pauses += t.count();
        }
        out.put("system/gc_pause_seconds_total", pauseSeconds);
        out.put("system/gc_pause_count", (double) pauses);
        for (Counter c : registry.find("jvm.gc.memory.allocated").counters()) {
            out.put("system/jvm_allocated_megabytes_total", c.count() / MB);
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            out.put("system/system_memory_usage_megabytes", (total - os.getFreeMemorySize()) / MB);
            out.put("system/system_memory_usage_percentage", 100.0 * (total - os.getFreeMemorySize()) / total);
        }
        for (Timer t : registry.find(TrackingMeters.STAGE_TIMER).timers()) {
            String stage = t.getId().getTag("stage");
            out.put("system/stage/" + stage + "_seconds_total", t.totalTime(TimeUnit.SECONDS));
        }
        for (Counter c : registry.find(TrackingMeters.TOKEN_COUNTER).counters()) {
            out.put("system/tokens/" + c.getId().getTag("kind") + "_total", c.count());
        }
        return out;
    }

    private static double sumGauge(MeterRegistry registry, String name, String area) {
        double sum = 0;
        for (Gauge g : registry.find(name).tag("area", area).gauges()) {
            double v = g.value();
            if (Double.isFinite(v) && v >= 0) {
                sum += v;
            }
        }
        return sum;
    }

    private static java.util.Optional<Double> gauge(MeterRegistry registry, String name) {
        Gauge g = registry.find(name).gauge();
        if (g == null || !Double.isFinite(g.value()) || g.value() < 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(g.value());
    }

    private synchronized void publish() {
        try {
            long s = step++;
            Map<String, Double> values = snapshot(registry);
            cpu.sample().forEach(values::put);
            values.forEach((k, v) -> target.logMetric(k, v, s));
        } catch (RuntimeException e) {
            // keep publishing next time; say once why this one failed
            if (!warned) {
                warned = true;
                log.warn("system metrics not published: " + e);
            }
        }
    }

    /** Publishes one last snapshot, then stops and detaches the meters. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publish();
        Metrics.removeRegistry(registry);
        gc.close();
        registry.close();
    }

    /**
     * CPU utilisation between two publications, from counters rather than the JDK's
     * getCpuLoad(), which reads 0 or 100 inside this project's containers: the process from its
     * CPU time, the machine from /proc/stat (Linux only; elsewhere it is left out).
     */
    static final class CpuSampler {
        private final com.sun.management.OperatingSystemMXBean os =
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
        private long lastWall = System.nanoTime();
        private long lastProcessCpu = os == null ? -1 : os.getProcessCpuTime();
        private long[] lastStat = procStat();

        Map<String, Double> sample() {
            Map<String, Double> out = new TreeMap<>();
            long wall = System.nanoTime();
            int cores = Runtime.getRuntime().availableProcessors();
            if (os != null && lastProcessCpu >= 0 && wall > lastWall) {
                long cpuNow = os.getProcessCpuTime();
                out.put("system/process_cpu_utilization_percentage",
                        100.0 * (cpuNow - lastProcessCpu) / (double) (wall - lastWall) / cores);
                lastProcessCpu = cpuNow;
            }
            long[] stat = procStat();
            if (stat != null && lastStat != null && stat[0] > lastStat[0]) {
                double busy = (stat[0] - lastStat[0]) - (stat[1] - lastStat[1]);
                out.put("system/cpu_utilization_percentage", 100.0 * busy / (stat[0] - lastStat[0]));
            }
            lastStat = stat;
            lastWall = wall;
            return out;
        }

        /** {total, idle + iowait} jiffies of all CPUs, or null. */
        private static long[] procStat() {
            try {
                String first = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0);
                String[] f = first.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
