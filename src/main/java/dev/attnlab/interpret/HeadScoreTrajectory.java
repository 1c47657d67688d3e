package dev.attnlab.interpret;

import dev.attnlab.eval.LinePlot;
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
 * the interpret stage's final scores.
 */
public final class HeadScoreTrajectory {

    private record Point(long step, HeadScores scores) { }

    private final int blockLen;
    private final long seed;
    private final Tracker tracker;
    private final List<Point> points = new ArrayList<>();

    public HeadScoreTrajectory(int blockLen, long seed, Tracker tracker) {
        this.blockLen = blockLen;
        this.seed = seed;
        this.tracker = tracker;
    }

    /** Scores the model as it is at {@code step} and logs them at that step. */
    public HeadScores probe(long step, HookedModel model) {
        HeadScores s = HeadScores.compute(model, blockLen, HeadScores.DEFAULT_SEQUENCES, seed);
        s.log(tracker, step);
        points.add(new Point(step, s));
        return s;
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
