package dev.attnlab.interpret;

import dev.attnlab.eval.EvaluationTest;
import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.InterpretSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterpretationTest {

    @TempDir
    Path tmp;

    /** Runs the whole interpretation of a hand-built model into {@code out}; used by the demo too. */
    static EvaluationTest.RecordingTracker interpret(ReferenceAttentionModel model, Path tok, Path out) throws Exception {
        InterpretSpec spec = new InterpretSpec(true, List.of("3 9 14 3 9 14 3 9", "1 2 3 4 5 6 1 2 3 4 5 6"), 2, 0, 5, true, 7, 0);
        Interpretation.Settings settings = new Interpretation.Settings(spec, 8, 1, 1, 0);
        EvaluationTest.RecordingTracker tracker = new EvaluationTest.RecordingTracker();
        new Interpretation(model, TokenizedData.open(tok), RunTokenizer.ids(model.cfg().dVocab()), settings,
                Progress.NONE, RunLog.STDERR).run(out, tracker);
        return tracker;
    }

    @Test
    void twoLayerInductionModelProducesEveryOutput() throws Exception {
        Path tok = EvaluationTest.writeTokenized(tmp.resolve("tok"), 64, 20);
        Path out = Files.createDirectories(tmp.resolve("out"));
        EvaluationTest.RecordingTracker tracker = interpret(HandBuiltInductionModel.build(64, 16, 2, true), tok, out);

        assertTrue(tracker.last.get("heads/L1H0/induction") > 0.8);
        assertTrue(tracker.last.get("heads/L0H0/prev_token") > 0.95);
        assertTrue(tracker.last.get("heads/L1H0/ablate_mean_induction_dloss") > 1.0);
        assertTrue(tracker.last.containsKey("heads/L0H1/ov_copying"));
        // L1H0 copies the attended token: its OV circuit is a scaled identity on the vocabulary
        assertEquals(1.0, tracker.last.get("heads/L1H0/ov_copying"), 1e-6);
        assertEquals(1.0, tracker.last.get("heads/L1H0/ov_self_top1"), 1e-9);

        for (String f : new String[] {"report.html", "attention_viewer.html", "head_scores.csv", "head_scores.png",
                "ov_copying.csv", "ov_circuit_top.csv", "qk_circuit_top.csv", "direct_path_bigrams.csv",
                "composition.csv", "ablation.csv", "attention/seq00_L0.png", "attention/seq00_L1.png"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        assertTrue(tracker.artifacts.contains("/report.html"), "report.html logged at the artifact root");
        assertTrue(tracker.artifacts.contains("interpret/attention/seq00_L1.png"));
        // 2 prompts + 2 validation samples + 1 repeated sequence, 2 layers each
        try (var s = Files.list(out.resolve("attention"))) {
            assertEquals(10, s.count());
        }
        BufferedImage png = ImageIO.read(out.resolve("attention/seq04_L1.png").toFile());
        assertNotNull(png);
        assertTrue(png.getWidth() > 300);

        String report = Files.readString(out.resolve("report.html"));
        assertTrue(report.contains("data:image/png;base64,"));
        assertTrue(report.contains("Strongest induction head: <b>L1H0</b>"), "summary names the induction head");
        assertFalse(report.matches("(?s).*(src|href)=\"https?:.*"), "no external resources");
        String viewer = Files.readString(out.resolve("attention_viewer.html"));
        assertTrue(viewer.contains("var DATA=[{\"name\":\"prompt 0\""));
        assertFalse(viewer.contains("localStorage"));
        List<String> comp = Files.readAllLines(out.resolve("composition.csv"));
        assertEquals(1 + 3 * 4, comp.size());
        assertEquals(1 + 2 * 2 * 2, Files.readAllLines(out.resolve("ablation.csv")).size());
    }

    @Test
    void oneLayerModelGetsSkipTrigramsInsteadOfComposition() throws Exception {
        Path tok = EvaluationTest.writeTokenized(tmp.resolve("tok"), 64, 20);
        Path out = Files.createDirectories(tmp.resolve("out"));
        EvaluationTest.RecordingTracker tracker = interpret(HandBuiltInductionModel.build(64, 16, 2, false), tok, out);
        assertTrue(Files.exists(out.resolve("skip_trigrams.csv")));
        assertFalse(Files.exists(out.resolve("composition.csv")));
        assertTrue(tracker.last.get("heads/L0H0/induction") < 0.2);
        assertEquals(1 + 2 * 5, Files.readAllLines(out.resolve("skip_trigrams.csv")).size());
    }
}
