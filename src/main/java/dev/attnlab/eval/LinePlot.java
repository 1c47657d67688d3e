package dev.attnlab.eval;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A line chart written as PNG with Java2D: axes, ticks, labels, a legend. */
public final class LinePlot {

    public record Series(String name, double[] x, double[] y, Color color) { }

    private static final int W = 900;
    private static final int H = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

    private LinePlot() {
    }

    static double niceStep(double raw) {
        if (!(raw > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    private static String label(double v, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step)));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0.0 : v);
    }

    public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.y[i])) continue;
                xMin = Math.min(xMin, s.x[i]);
                xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, s.y[i]);
                yMax = Math.max(yMax, s.y[i]);
            }
        }
        if (!Double.isFinite(xMin)) {
            xMin = 0; xMax = 1; yMin = 0; yMax = 1;
        }
        if (xMax == xMin) xMax = xMin + 1;
        double pad = (yMax - yMin) * 0.05;
        if (pad == 0) pad = Math.max(Math.abs(yMax) * 0.05, 0.5);
        yMin -= pad;
        yMax += pad;

        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // grid and ticks at "nice" values (1, 2 or 5 times a power of ten)
        double yStep = niceStep((yMax - yMin) / 5);
        for (double yv = Math.ceil(yMin / yStep) * yStep; yv <= yMax + 1e-9 * yStep; yv += yStep) {
            int y = TOP + ph - (int) Math.round(ph * (yv - yMin) / (yMax - yMin));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT, y, LEFT + pw, y);
            g.setColor(Color.DARK_GRAY);
            String s = label(yv, yStep);
            g.drawString(s, LEFT - 8 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        double xStep = niceStep((xMax - xMin) / 6);
        for (double xv = Math.ceil(xMin / xStep) * xStep; xv <= xMax + 1e-9 * xStep; xv += xStep) {
            int x = LEFT + (int) Math.round(pw * (xv - xMin) / (xMax - xMin));
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x, TOP + ph, x, TOP + ph + 5);
            String xs = label(xv, xStep);
            g.drawString(xs, x - g.getFontMetrics().stringWidth(xs) / 2, TOP + ph + 20);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(xLabel, LEFT + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, H - 20);
        Graphics2D gr = (Graphics2D) g.create();
        gr.rotate(-Math.PI / 2);
        gr.drawString(yLabel, -(TOP + ph / 2) - gr.getFontMetrics().stringWidth(yLabel) / 2, 22);
        gr.dispose();
        // series
        int legendY = TOP + 18;
        for (Series s : series) {
            Path2D.Double path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.y[i])) {
                    started = false;
                    continue;
                }
                double px = LEFT + pw * (s.x[i] - xMin) / (xMax - xMin);
                double py = TOP + ph - ph * (s.y[i] - yMin) / (yMax - yMin);
                if (started) path.lineTo(px, py); else path.moveTo(px, py);
                started = true;
            }
            g.setColor(s.color);
            g.setStroke(new BasicStroke(2f));
            g.draw(path);
            g.fillRect(LEFT + pw - 190, legendY - 9, 14, 4);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(s.name, LEFT + pw - 170, legendY - 3);
            legendY += 18;
        }
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }
}
