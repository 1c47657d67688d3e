package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;
import dev.attnlab.tracking.Tracker;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes one MLflow run for `make ui-check` when no quickstart run exists yet (the trainer is not
 * merged): a made-up loss curve and a made-up attention pattern (a previous-token stripe plus an
 * induction stripe), logged through the real tracker. Everything it logs is labelled as a demo.
 * Usage: UiDemoRun RUN_DIR   (server from MLFLOW_TRACKING_URI)
 */
public final class UiDemoRun {
    public static void main(String[] args) throws Exception {
        Path runDir = Files.createDirectories(Path.of(args[0]));
        Path out = Files.createDirectories(runDir.resolve("interpret"));
        Path png = out.resolve("attention_L1H0.png");
        ImageIO.write(attentionImage(32, 12), "png", png.toFile());
        Path html = out.resolve("attention.html");
        Files.writeString(html, "<!doctype html><html><body><h1>Attention L1H0 (demo data)</h1>"
                + "<p>Made-up pattern: previous-token and induction stripes.</p><img src=\"attention_L1H0.png\" width=512></body></html>");
        Tracker t = new MlflowBackend().open(MlflowServers.spec("ui-demo", "attnlab-ui-demo", null,
                Map.of()),
                runDir, Map.of("attnlab.demo", "true"), RunLog.STDERR);
        t.logParams(Map.of("model.n_layers", "2", "model.d_model", "128", "train.lr", "0.001", "note", "demo run for make ui-check"));
        for (int step = 0; step <= 400; step++) {
            double loss = 6.9 * Math.exp(-step / 120.0) + 1.2 + 0.05 * Math.sin(step / 3.0);
            t.logMetric("train/loss", loss, step);
            if (step % 50 == 0) {
                t.logMetric("val/loss", loss + 0.1, step);
                t.logMetric("val/ppl", Math.exp(loss + 0.1), step);
            }
        }
        t.logMetric("heads/L1H0/induction", 0.83, 400);
        t.logMetric("heads/L0H1/prev_token", 0.91, 400);
        t.logArtifact(png, "interpret/attention");
        t.logArtifact(html, "interpret/attention");
        t.flush();
        t.setTag(RunStatus.TAG, RunStatus.FINISHED);
        t.close();
    }

    /** A heat map of an n×n causal attention pattern, each cell scale×scale pixels. */
    private static BufferedImage attentionImage(int n, int scale) {
        BufferedImage img = new BufferedImage(n * scale, n * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        int half = n / 2;
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                double w = 0;
                if (k <= q) {
                    w = 0.05;
                    if (k == q - 1) {
                        w = 0.5;
                    }
                    if (q >= half && k == q - half + 1) {
                        w = 0.9; // induction: attend to the token after the previous occurrence
                    }
                }
                float v = (float) Math.min(1, w);
                g.setColor(new Color(1f - v * 0.8f, 1f - v * 0.6f, 1f - v * 0.1f));
                g.fillRect(k * scale, q * scale, scale, scale);
            }
        }
        g.dispose();
        return img;
    }
}
