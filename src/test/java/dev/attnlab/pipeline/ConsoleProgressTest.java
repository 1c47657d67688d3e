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

    @Test
    void unitsRestoredFromACheckpointFillTheBarButNotTheRate() {
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        try (Progress.Task t = p.start("train", 1000, "steps")) {
            t.skip(500); // resumed at step 500
            for (int i = 0; i < 100; i++) {
                now.addAndGet(10_000_000L); // 100 steps/s from here on
                t.step(1);
            }
        }
        String[] lines = lines();
        // (lines[1]: the first step after the resume) 60 %: 100 new steps in 1 s, so 100 steps/s and 400 steps (4 s) left, not 600 steps/s
        assertTrue(lines[2].startsWith("train: 60% (600/1000 steps, 100.0 steps/s, ETA 0:04)"), String.join("\n", lines));
        assertEquals("train: done, 100 steps in 1.0 s (after 500 restored)", lines[lines.length - 1]);
    }

    @Test
    void slowWorkShowsItsRatePerMinuteOrHourAndLongEtasInHours() {
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        try (Progress.Task t = p.start("sweep", 20, "trials")) {
            now.addAndGet(120_000_000_000L); // 2 min per trial
            t.step(1);
        }
        try (Progress.Task t = p.start("train", 14_250, "steps")) {
            now.addAndGet(10_000_000_000L);
            t.step(8); // 0.8 steps/s: 14,242 steps left take 4 h 56 min 42 s
        }
        try (Progress.Task t = p.start("evaluate", 10, "rows")) {
            now.addAndGet(7_200_000_000_000L); // 2 h for one row
            t.step(1);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("sweep: 5% (1/20 trials, 0.5 trials/min, ETA 38:00)"), out);
        assertTrue(out.contains("train: 0% (8/14250 steps, 0.80 steps/s, ETA 4:56:42)"), out);
        assertTrue(out.contains("evaluate: 10% (1/10 rows, 0.5 rows/h, ETA 18:00:00)"), out);
    }

    @Test
    void theRateRecoversWithinAMinuteOfAPause() {
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        try (Progress.Task t = p.start("train", 20_000, "steps")) {
            for (int i = 0; i < 10_000; i++) {
                if (i == 1_000) now.addAndGet(3_600_000_000_000L); // suspended for an hour after 10 s of work
                now.addAndGet(10_000_000L); // 100 steps/s whenever it runs
                t.step(1);
            }
        }
        String[] lines = lines();
        String atHalf = lines[lines.length - 2];
        // 90 s of work after the pause: measured over the last minute, not the 10,000 steps in 3,700 s since the start
        assertTrue(atHalf.startsWith("train: 50% (10000/20000 steps, 100.0 steps/s, ETA 1:40)"), String.join("\n", lines));
        assertTrue(String.join("\n", lines).contains("steps, 0.28 steps/s"), "right after the pause the rate drops");
    }
}
