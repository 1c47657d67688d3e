package dev.attnlab.tracking.mlflow;

import dev.attnlab.tracking.TrackingMeters;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemMetricsPublisherTest {

    @Test
    void cpuUtilisationComesFromCountersAndStaysInRange() {
        SystemMetricsPublisher.CpuSampler sampler = new SystemMetricsPublisher.CpuSampler();
        long end = System.nanoTime() + 300_000_000L;
        double x = 0;
        while (System.nanoTime() < end) {
            x += Math.sqrt(x + 1); // busy: this thread's CPU time must show
        }
        Map<String, Double> s = sampler.sample();
        double process = s.get("system/process_cpu_utilization_percentage");
        assertTrue(process > 0 && process <= 100.0 + 1e-9, "process " + process + " " + x);
        double machine = s.get("system/cpu_utilization_percentage");
        assertTrue(machine > 0 && machine <= 100.0 + 1e-9, "machine " + machine);
    }

    @Test
    void stageTimersAndTokenCountersOnTheGlobalRegistryArePublished() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new JvmMemoryMetrics().bindTo(registry);
        Metrics.addRegistry(registry);
        try {
            TrackingMeters.stageTimer("train").record(java.time.Duration.ofMillis(1500));
            TrackingMeters.tokens("train").increment(4096);
            Map<String, Double> snap = SystemMetricsPublisher.snapshot(registry);
            assertEquals(1.5, snap.get("system/stage/train_seconds_total"), 1e-9);
            assertEquals(4096.0, snap.get("system/tokens/train_total"), 1e-9);
            assertTrue(snap.get("system/jvm_heap_used_megabytes") > 0);
        } finally {
            Metrics.removeRegistry(registry);
        }
    }
}
