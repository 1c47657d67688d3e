package dev.attnlab.pipeline;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {

    private final AtomicLong now = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private String[] lines() {
        return bytes.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void plainLinesEveryTenPercentOrTenSeconds() {
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        try (Progress.Task t = p.start("train", 1000, "steps")) {
            for (int i = 0; i < 1000; i++) {
                now.addAndGet(1_000_000L); // 1 ms per step: time alone never triggers a line
                t.step(1);
            }
            t.status("loss 1.23");
        }
        String[] lines = lines();
        assertEquals("train: started (1000 steps)", lines[0]);
        assertEquals(1 + 10 + 1, lines.length, String.join("\n", lines)); // start, 10 deciles, done
        assertTrue(lines[1].startsWith("train: 10% (100/1000 steps, 1000.0 steps/s, ETA 0:00)"), lines[1]);
        assertEquals("train: done, 1000 steps in 1.0 s  loss 1.23", lines[11]);

        bytes.reset();
        try (Progress.Task t = p.start("ingest", -1, "docs")) {
            for (int i = 0; i < 5; i++) {
                now.addAndGet(4_000_000_000L); // 4 s per step: a line every 10 s
                t.step(1);
            }
        }
        lines = lines();
        assertEquals(3, lines.length, String.join("\n", lines)); // started, at 12 s (>= 10 s), done (20 s is only 8 s later)
        assertTrue(lines[1].startsWith("ingest: 3 docs ("), lines[1]);
    }

    @Test
    void terminalRedrawsABarInPlace() {
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, now::get);
        try (Progress.Task t = p.start("train", 10, "steps")) {
            for (int i = 0; i < 10; i++) {
                now.addAndGet(200_000_000L);
                t.step(1);
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("\rtrain [###############...............]  50% 5/10 steps, 5.0 steps/s, ETA 0:01"), out);
        assertTrue(out.contains("train: done, 10 steps in 2.0 s"), out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), "one line in the end");
    }
}
