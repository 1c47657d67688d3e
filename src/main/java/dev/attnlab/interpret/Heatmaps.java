package dev.attnlab.interpret;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * PNG heatmaps drawn with Java2D: one image per layer with every head's attention pattern (query
 * tokens down the left, key tokens along the top, a shared 0..1 colour scale), and a grid of
 * per-head scores.
 */
public final class Heatmaps {

    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final int MAX_LABEL_CHARS = 12;

    private Heatmaps() {
    }

    /** White (0) to dark blue (1). */
    static Color colour(double v) {
        double x = Math.max(0, Math.min(1, Double.isNaN(v) ? 0 : v));
        int r = (int) Math.round(255 - x * (255 - 8));
        int g = (int) Math.round(255 - x * (255 - 48));
        int b = (int) Math.round(255 - x * (255 - 107));
        return new Color(r, g, b);
    }

    static String shortLabel(String s) {
        String t = s.replace("\n", "\\n").replace("\t", "\\t").replace(' ', '\u00b7');
        return t.length() > MAX_LABEL_CHARS ? t.substring(0, MAX_LABEL_CHARS - 1) + "…" : t;
    }

    /**
     * @param patterns [head][query][key] for one layer and one sequence
     */
    public static BufferedImage layerPatterns(String title, String[] tokens, float[][][] patterns, int layer) {
        int nHeads = patterns.length;
        int t = tokens.length;
        int cell = Math.max(4, Math.min(24, 480 / Math.max(1, t)));
        boolean showLabels = cell >= 9;
        int labelEvery = showLabels ? 1 : (int) Math.ceil(9.0 / cell);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        pg.setFont(LABEL);
        FontMetrics fm = pg.getFontMetrics();
        int labelW = 0;
        for (String s : tokens) labelW = Math.max(labelW, fm.stringWidth(shortLabel(s)));
        labelW += 8;
        pg.dispose();
        int side = cell * t;
        int panelW = labelW + side + 24;
        int panelH = 22 + labelW + side + 16;
        int cols = Math.min(nHeads, side > 300 ? 2 : 4);
        int rows = (nHeads + cols - 1) / cols;
        int scaleW = 90;
        int width = cols * panelW + scaleW + 20;
        int height = 40 + rows * panelH;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString(title + " — layer " + layer + " (rows: query/destination, columns: key/source)", 10, 24);
        for (int h = 0; h < nHeads; h++) {
            int ox = 10 + (h % cols) * panelW;
            int oy = 40 + (h / cols) * panelH;
            g.setFont(TITLE);
            g.setColor(Color.BLACK);
            g.drawString(HeadScores.head(layer, h), ox + labelW, oy + 14);
            int gx = ox + labelW;
            int gy = oy + 22 + labelW;
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < t; k++) {
                    g.setColor(k > q ? new Color(245, 245, 245) : colour(patterns[h][q][k]));
                    g.fillRect(gx + k * cell, gy + q * cell, cell, cell);
                }
            }
            g.setColor(Color.GRAY);
            g.drawRect(gx, gy, side, side);
            g.setFont(LABEL);
            g.setColor(Color.BLACK);
            FontMetrics lm = g.getFontMetrics();
            for (int i = 0; i < t; i += labelEvery) {
                String s = shortLabel(tokens[i]);
                int cy = gy + i * cell + cell / 2 + lm.getAscent() / 2 - 1;
                g.drawString(s, gx - 4 - lm.stringWidth(s), cy);
                Graphics2D r = (Graphics2D) g.create();
                r.translate(gx + i * cell + cell / 2 + lm.getAscent() / 2 - 1, gy - 4);
                r.rotate(-Math.PI / 2);
                r.drawString(s, 0, 0);
                r.dispose();
            }
        }
        drawScale(g, width - scaleW + 10, 60, Math.min(300, height - 100), "attention");
        g.dispose();
        return img;
    }

    private static void drawScale(Graphics2D g, int x, int y, int h, String label) {
        for (int i = 0; i < h; i++) {
            g.setColor(colour(1 - (double) i / (h - 1)));
            g.fillRect(x, y + i, 18, 1);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, y, 18, h);
        g.setFont(LABEL);
        for (int i = 0; i <= 4; i++) {
            double v = 1 - i / 4.0;
            int yy = y + (int) Math.round(i / 4.0 * h);
            g.drawLine(x + 18, yy, x + 22, yy);
            g.drawString(String.format(Locale.ROOT, "%.2f", v), x + 25, yy + 4);
        }
        g.drawString(label, x - 4, y - 8);
    }

    /** A layers x heads grid per score with the value printed in each cell. */
    public static BufferedImage scoreGrid(String[] names, double[][][] scores) {
        int nLayers = scores[0].length;
        int nHeads = scores[0][0].length;
        int cell = 56;
        int panelW = 40 + nHeads * cell + 30;
        int width = names.length * panelW + 110;
        int height = 70 + nLayers * cell + 40;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int s = 0; s < names.length; s++) {
            int ox = 10 + s * panelW;
            g.setColor(Color.BLACK);
            g.setFont(TITLE);
            g.drawString(names[s], ox + 40, 24);
            g.setFont(LABEL);
            for (int h = 0; h < nHeads; h++) {
                g.drawString("H" + h, ox + 40 + h * cell + cell / 2 - 7, 50);
            }
            for (int l = 0; l < nLayers; l++) {
                g.setColor(Color.BLACK);
                g.drawString("L" + l, ox + 10, 60 + l * cell + cell / 2 + 4);
                for (int h = 0; h < nHeads; h++) {
                    double v = scores[s][l][h];
                    int x = ox + 40 + h * cell;
                    int y = 56 + l * cell;
                    g.setColor(colour(v));
                    g.fillRect(x, y, cell - 2, cell - 2);
                    g.setColor(v > 0.55 ? Color.WHITE : Color.BLACK);
                    String txt = Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
                    g.drawString(txt, x + cell / 2 - g.getFontMetrics().stringWidth(txt) / 2 - 1, y + cell / 2 + 4);
                }
            }
        }
        drawScale(g, width - 90, 56, Math.max(60, nLayers * cell - 2), "score");
        g.dispose();
        return img;
    }

    public static void writePng(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    public static String dataUri(Path png) throws IOException {
        return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(png));
    }

    static byte[] pngBytes(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
