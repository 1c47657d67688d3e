package dev.attnlab.pipeline;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@link Progress} for people: on a terminal a bar redrawn in place (at most 10 times a second);
 * otherwise (CI logs, pipes) a plain line every 10 seconds or every 10 % of the work.
 */
public final class ConsoleProgress implements Progress {

    private static final long BAR_INTERVAL_NANOS = 100_000_000L;
    private static final long LINE_INTERVAL_NANOS = 10_000_000_000L;
    private static final int BAR_WIDTH = 30;
    private static final long SAMPLE_INTERVAL_NANOS = 1_000_000_000L;
    private static final long RATE_WINDOW_NANOS = 60_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;

    public ConsoleProgress(PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = nanoClock;
    }

    /** Progress on stderr, as a bar when attached to a terminal. */
    public static ConsoleProgress forConsole() {
        return new ConsoleProgress(System.err, System.console() != null, System::nanoTime);
    }

    @Override
    public Task start(String label, long total, String unit) {
        return new ConsoleTask(label, total, unit);
    }

    private final class ConsoleTask implements Task {
        private final String label;
        private final long total;
        private final String unit;
        private final long started;
        private long done;
        private long skipped;
        private long lastPrint;
        private int lastDecile;
        private String status = "";
        private boolean closed;
        private final ArrayDeque<long[]> samples = new ArrayDeque<>();

        ConsoleTask(String label, long total, String unit) {
            this.label = label;
            this.total = total;
            this.unit = unit;
            this.started = clock.getAsLong();
            this.lastPrint = started;
            this.samples.add(new long[] {started, 0});
            if (!terminal) {
                out.println(label + ": started" + (total > 0 ? " (" + total + " " + unit + ")" : ""));
            }
        }

        @Override
        public synchronized void step(long n) {
            done += n;
            long now = clock.getAsLong();
            sample(now);
            if (terminal) {
                if (now - lastPrint >= BAR_INTERVAL_NANOS) {
                    lastPrint = now;
                    out.print("\r" + bar(now));
                    out.flush();
                }
                return;
            }
            int decile = total > 0 ? (int) Math.min(10, done * 10 / total) : 0;
            if (now - lastPrint >= LINE_INTERVAL_NANOS || decile > lastDecile) {
                lastPrint = now;
                lastDecile = decile;
                out.println(line(now));
            }
        }

        @Override
        public synchronized void skip(long n) {
            done += n;
            skipped += n;
        }

        @Override
        public synchronized void status(String text) {
            status = text == null ? "" : text;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            long now = clock.getAsLong();
            double secs = (now - started) / 1e9;
            String summary = String.format(Locale.ROOT, "%s: done, %d %s in %.1f s%s%s", label, done - skipped, unit, secs,
                    skipped > 0 ? " (after " + skipped + " restored)" : "", status.isEmpty() ? "" : "  " + status);
            out.println(terminal ? "\r" + summary + " ".repeat(20) : summary);
            out.flush();
        }

        /**
         * Keeps one (time, units done here) sample a second, back to the newest one at least
         * {@code RATE_WINDOW_NANOS} old: the rate is measured over the last minute or so, so a
         * suspended process (Ctrl-Z, a sleeping laptop) or a slower phase stops skewing it soon after.
         */
        private void sample(long now) {
            if (now - samples.peekLast()[0] >= SAMPLE_INTERVAL_NANOS) {
                samples.addLast(new long[] {now, done - skipped});
            }
            while (samples.size() > 1 && now - secondSample()[0] >= RATE_WINDOW_NANOS) {
                samples.pollFirst();
            }
        }

        private long[] secondSample() {
            var it = samples.iterator();
            it.next();
            return it.next();
        }

        private String rate(long now) {
            long[] from = samples.peekFirst();
            double secs = Math.max(1e-9, (now - from[0]) / 1e9);
            double perSec = (done - skipped - from[1]) / secs;
            String eta = "";
            if (total > 0 && perSec > 0 && done < total) {
                eta = ", ETA " + clockTime((long) ((total - done) / perSec));
            }
            // slow work (sweep trials, long evaluations) reads better per minute or per hour than as 0.0/s
            String r = perSec >= 1 || perSec == 0 ? String.format(Locale.ROOT, "%.1f %s/s", perSec, unit)
                    : perSec >= 0.1 ? String.format(Locale.ROOT, "%.2f %s/s", perSec, unit)
                    : perSec * 60 >= 0.1 ? String.format(Locale.ROOT, "%.1f %s/min", perSec * 60, unit)
                    : String.format(Locale.ROOT, "%.1f %s/h", perSec * 3600, unit);
            return r + eta;
        }

        /** m:ss under an hour, h:mm:ss from there. */
        private static String clockTime(long seconds) {
            long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
            return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
        }

        private String bar(long now) {
            StringBuilder s = new StringBuilder(label).append(' ');
            if (total > 0) {
                int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
                s.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ")
                        .append(String.format(Locale.ROOT, "%3d%% %d/%d %s, ", done * 100 / total, done, total, unit));
            } else {
                s.append(done).append(' ').append(unit).append(", ");
            }
            s.append(rate(now));
            if (!status.isEmpty()) {
                s.append("  ").append(status);
            }
            return s.toString();
        }

        private String line(long now) {
            String pct = total > 0 ? String.format(Locale.ROOT, "%d%% (%d/%d %s, ", done * 100 / total, done, total, unit)
                    : String.format(Locale.ROOT, "%d %s (", done, unit);
            return label + ": " + pct + rate(now) + ")" + (status.isEmpty() ? "" : "  " + status);
        }
    }
}
