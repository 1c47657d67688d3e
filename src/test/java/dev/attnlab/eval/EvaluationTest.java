package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.interpret.HandBuiltInductionModel;
import dev.attnlab.interpret.ReferenceAttentionModel;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.tokenize.TokenShardWriter;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class EvaluationTest {

    @TempDir
    Path tmp;

    /** Synthetic-style tokenize output: documents = a random block of 8 repeated twice, vocab 64. */
    public static Path writeTokenized(Path dir, int vocab, int docs) throws Exception {
        Files.createDirectories(dir);
        for (String split : new String[] {"train", "val"}) {
            int[][] rows = RepeatedTokens.generate(docs, 8, vocab, split.hashCode());
            try (TokenShardWriter w = new TokenShardWriter(dir, split, false)) {
                for (int[] r : rows) {
                    int[] doc = new int[17];
                    System.arraycopy(r, 0, doc, 1, 16);
                    doc[0] = r[15];
                    w.add(doc);
                }
            }
        }
        Files.writeString(dir.resolve("manifest.json"), "{\"tokenizer\":\"none\",\"vocab_size\":" + vocab
                + ",\"wide\":false,\"eot_id\":-1,\"pad_id\":-1,\"packing\":\"truncate\",\"splits\":{\"train\":{},\"val\":{}}}");
        return dir;
    }

    /** Records what was logged. */
    public static final class RecordingTracker implements Tracker {
        public final Map<String, Double> last = new HashMap<>();
        public final Map<String, Integer> counts = new HashMap<>();
        public final List<String> artifacts = new ArrayList<>();
        @Override public void logParams(Map<String, String> params) { }
        @Override public void logMetric(String key, double value, long step) {
            last.put(key, value);
            counts.merge(key, 1, Integer::sum);
        }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String artifactDir) {
            assertTrue(Files.exists(file), "artifact must exist: " + file);
            artifacts.add(artifactDir + "/" + file.getFileName());
        }
        @Override public void flush() { }
        @Override public void close() { }
    }

    @Test
    void inductionModelOnSyntheticDataGivesExpectedMetricsAndFiles() throws Exception {
        Path tok = writeTokenized(tmp.resolve("tok"), 64, 40);
        ReferenceAttentionModel model = HandBuiltInductionModel.build(64, 16, 2, true);
        Evaluation e = new Evaluation(model, TokenizedData.open(tok),
                new Evaluation.Settings(new EvaluateSpec(2, 0, 0, 0, 2), 8, 3), Progress.NONE, RunLog.STDERR);
        Path out = Files.createDirectories(tmp.resolve("out"));
        RecordingTracker tracker = new RecordingTracker();
        Map<String, Double> m = e.run(out, tracker, "evaluate");

        assertEquals(16.0 * 16, m.get("eval/val/tokens"));  // 2 batches x 8 rows x 16 targets
        assertTrue(m.get("eval/repeated/first_half_loss") > 3.0, "unseen tokens: near ln 64");
        assertTrue(m.get("eval/repeated/repeated_half_loss") < 0.5, "the induction circuit predicts the copy");
        assertEquals(8.0, m.get("eval/repeated/block_len"));
        // ICL: automatic positions early = max(1, 16/10) = 1, late = 15; later tokens are copies
        assertEquals(1.0, m.get("eval/icl_early_pos"));
        assertEquals(15.0, m.get("eval/icl_late_pos"));
        assertTrue(m.get("eval/icl_score") < -1.0, "late loss far below early loss: " + m.get("eval/icl_score"));
        // random tokens: the unigram baseline is about ln 64 = 4.16; bigrams of unseen random pairs are worse
        assertEquals(Math.log(64), m.get("eval/baseline/unigram_ce"), 0.3);
        assertTrue(m.get("eval/baseline/bigram_ce") > m.get("eval/baseline/unigram_ce"));
        assertEquals(Math.exp(m.get("eval/val/loss")), m.get("eval/val/ppl"), 1e-9);
        assertEquals(16, tracker.counts.get("eval/val/loss_by_position"));
        assertEquals(m.get("eval/icl_score"), tracker.last.get("eval/icl_score"));
        for (String f : new String[] {"metrics.json", "loss_by_position.csv", "loss_by_position.png",
                "repeated_tokens_loss.csv", "repeated_tokens_loss.png"}) {
            assertTrue(tracker.artifacts.contains("evaluate/" + f), f + " not logged");
        }
        BufferedImage png = ImageIO.read(out.resolve("loss_by_position.png").toFile());
        assertNotNull(png);
        assertEquals(17, Files.readAllLines(out.resolve("loss_by_position.csv")).size());
        assertTrue(Files.readString(out.resolve("metrics.json")).contains("\"eval/icl_score\""));
    }

    @Test
    void iclPositionsFollowOlssonForLongContextsAndValidateTheSpec() {
        assertEquals(50, Evaluation.iclPositions(new EvaluateSpec(1, 0, 0, 0, 1), 1024)[0]);
        assertEquals(500, Evaluation.iclPositions(new EvaluateSpec(1, 0, 0, 0, 1), 1024)[1]);
        assertEquals(8, Evaluation.iclPositions(new EvaluateSpec(1, 0, 0, 0, 1), 80)[0]);
        assertEquals(79, Evaluation.iclPositions(new EvaluateSpec(1, 0, 0, 0, 1), 80)[1]);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.iclPositions(new EvaluateSpec(1, 0, 90, 0, 1), 80));
        assertTrue(ex.getMessage().contains("evaluate.icl_late"));
    }
}
