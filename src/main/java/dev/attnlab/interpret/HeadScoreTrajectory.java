package dev.attnlab.interpret;

import dev.attnlab.eval.LinePlot;
import dev.attnlab.io.AtomicFiles;
import dev.attnlab.model.HookedModel;
import dev.attnlab.tracking.Tracker;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Head scores during training ({@code interpret.every}): at each probed step the previous-token,
 * duplicate-token and induction score of every head, logged as {@code heads/L{l}H{h}/...} at that
 * step, so MLflow's charts show when induction heads form (Olsson et al.'s phase change). The task
 * (repeated random tokens) and its seed are those of the interpret stage, so the last point equals
 * the interpret stage's final scores. With a journal file (in the train stage's state directory)
 * every probe is also written there, and a resumed run starts from the journal's points, so its
 * CSV and plot cover the whole training, not just the part after the resume.
 */
public final class HeadScoreTrajectory {

    private record Point(long step, HeadScores scores) { }

    private final int blockLen;
    private final long seed;
    private final Tracker tracker;
    private final List<Point> points = new ArrayList<>();
    private final Path journal;

    /** Probes logged to {@code tracker}, kept in {@code journal} (null = none) and starting from the points already there. */
    public HeadScoreTrajectory(int blockLen, long seed, Tracker tracker, Path journal) throws IOException {
        this.blockLen = blockLen;
        this.seed = seed;
        this.tracker = tracker;
        this.journal = journal;
        if (journal != null && Files.exists(journal)) points.addAll(readCsv(journal));
    }

    /**
     * Scores the model as it is at {@code step} and logs them at that step. Journal points at or
     * after {@code step} are dropped first: they came from an interrupted run past the checkpoint
     * this one resumed from.
     */
    public HeadScores probe(long step, HookedModel model) throws IOException {
        HeadScores s = HeadScores.compute(model, blockLen, HeadScores.DEFAULT_SEQUENCES, seed);
        s.log(tracker, step);
        points.removeIf(p -> p.step >= step);
        points.add(new Point(step, s));
        if (journal != null) {
            AtomicFiles.write(journal, this::writeCsv);
        }
        return s;
    }

    /** The points of a file written by {@link #writeCsv}. */
    private static List<Point> readCsv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("step,")) continue;
            rows.add(line.split(","));
        }
        java.util.Map<Long, List<String[]>> bySteps = new java.util.TreeMap<>();
        int layers = 0, heads = 0;
        for (String[] r : rows) {
            if (r.length != 7) throw new IOException(file + ": not a head-score trajectory row: " + String.join(",", r));
            bySteps.computeIfAbsent(Long.parseLong(r[0]), k -> new ArrayList<>()).add(r);
            layers = Math.max(layers, Integer.parseInt(r[1]) + 1);
            heads = Math.max(heads, Integer.parseInt(r[2]) + 1);
        }
        List<Point> out = new ArrayList<>();
        for (var e : bySteps.entrySet()) {
            double[][] prev = new double[layers][heads], dup = new double[layers][heads], ind = new double[layers][heads];
            for (String[] r : e.getValue()) {
                int l = Integer.parseInt(r[1]), h = Integer.parseInt(r[2]);
                prev[l][h] = Double.parseDouble(r[4]);
                dup[l][h] = Double.parseDouble(r[5]);
                ind[l][h] = Double.parseDouble(r[6]);
            }
            out.add(new Point(e.getKey(), new HeadScores(prev, dup, ind)));
        }
        return out;
    }

    public int size() {
        return points.size();
    }

    /** One row per (step, head): step,layer,head,name,prev_token,duplicate_token,induction. */
    public void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("step,layer,head,name,prev_token,duplicate_token,induction\n");
        for (Point p : points) {
            HeadScores s = p.scores;
            for (int l = 0; l < s.nLayers(); l++) {
                for (int h = 0; h < s.nHeads(); h++) {
                    sb.append(String.format(Locale.ROOT, "%d,%d,%d,%s,%.6f,%.6f,%.6f%n", p.step, l, h, HeadScores.head(l, h),
                            s.prevToken()[l][h], s.duplicateToken()[l][h], s.induction()[l][h]));
                }
            }
        }
        Files.writeString(file, sb.toString());
    }

    /** The best induction and previous-token score of each layer against the training step. */
    public void writePlot(Path png) throws IOException {
        if (points.isEmpty()) throw new IllegalStateException("no head scores were probed");
        int nLayers = points.get(0).scores.nLayers();
        Color[] palette = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0x9467BD)};
        List<LinePlot.Series> series = new ArrayList<>();
        for (int l = 0; l < nLayers; l++) {
            double[] x = new double[points.size()], induction = new double[x.length], prev = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                HeadScores s = points.get(i).scores;
                x[i] = points.get(i).step;
                induction[i] = max(s.induction()[l]);
                prev[i] = max(s.prevToken()[l]);
            }
            series.add(new LinePlot.Series("layer " + l + " best induction", x, induction, palette[(2 * l) % palette.length]));
            series.add(new LinePlot.Series("layer " + l + " best previous-token", x, prev, palette[(2 * l + 1) % palette.length]));
        }
        LinePlot.write(png, "Head scores during training", "step", "score", series);
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) m = Math.max(m, x);
        return m;
    }
}
