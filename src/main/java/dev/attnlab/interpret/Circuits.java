package dev.attnlab.interpret;

import dev.attnlab.model.ModelConfig;
import dev.attnlab.pipeline.Progress;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Token-level circuits read straight from the weights (Elhage et al. 2021), ignoring positional
 * embeddings, biases and composition (the "direct" terms):
 * <ul>
 *   <li>full OV circuit {@code W_E W_V W_O W_U} [V, V]: row = attended (source) token, column = logit it raises;</li>
 *   <li>full QK circuit {@code W_E W_Q W_K^T W_E^T / sqrt(d_head)} [V, V]: row = query token, column = key token;</li>
 *   <li>direct path {@code W_E W_U} [V, V]: row = current token, column = predicted next token (bigrams);</li>
 *   <li>skip-trigrams (1-layer models): "A … B → C" where query B attends to key A (top QK entries) and
 *       A's OV row raises C most.</li>
 * </ul>
 * All [V, V] matrices are kept as low-rank factors and scanned in chunks by {@link VocabTopK}.
 */
public final class Circuits {

    public record Head(int layer, int head, OvCopying.Score copying, VocabTopK.Result ov, VocabTopK.Result qk) {

        /** Fraction of source tokens whose OV row raises their own logit most (ARENA's top-1 check). */
        public double ovSelfTop1() {
            return ov.diagonalArgMaxFraction();
        }
    }

    public record SkipTrigram(int layer, int head, int source, int destination, int output,
                              double qk, double ov) { }

    private Circuits() {
    }

    public static List<Head> heads(Map<String, INDArray> sd, ModelConfig cfg, int topK, int chunk, Progress progress) {
        INDArray wE = require(sd, "embed.W_E").castTo(DataType.FLOAT);
        INDArray wU = require(sd, "unembed.W_U").castTo(DataType.FLOAT);
        INDArray wUwE = OvCopying.unembedTimesEmbed(wU, wE);
        double qkScale = 1.0 / Math.sqrt(cfg.dHead());
        List<Head> out = new ArrayList<>();
        try (Progress.Task task = progress.start("circuits", (long) cfg.nLayers() * cfg.nHeads(), "heads")) {
            for (int l = 0; l < cfg.nLayers(); l++) {
                String p = "blocks." + l + ".attn.";
                for (int h = 0; h < cfg.nHeads(); h++) {
                    INDArray wQ = head(sd, p + "W_Q", h);
                    INDArray wK = head(sd, p + "W_K", h);
                    INDArray wV = head(sd, p + "W_V", h);
                    INDArray wO = head(sd, p + "W_O", h);
                    OvCopying.Score copying = OvCopying.of(wUwE, wV, wO);
                    VocabTopK.Result ov = VocabTopK.of(wE.mmul(wV), wO.mmul(wU), topK, chunk);
                    VocabTopK.Result qk = VocabTopK.of(wE.mmul(wQ).muli(qkScale), wE.mmul(wK).transpose(), topK, chunk);
                    out.add(new Head(l, h, copying, ov, qk));
                    task.step(1);
                }
            }
        }
        return out;
    }

    /** Top entries of the direct path W_E W_U: the bigram statistics the embedding alone encodes. */
    public static VocabTopK.Result directPath(Map<String, INDArray> sd, int topK, int chunk) {
        return VocabTopK.of(require(sd, "embed.W_E").castTo(DataType.FLOAT), require(sd, "unembed.W_U"), topK, chunk);
    }

    /** Skip-trigrams of each head, ranked by the QK entry (meaningful for 1-layer models). */
    public static List<SkipTrigram> skipTrigrams(List<Head> heads) {
        List<SkipTrigram> out = new ArrayList<>();
        for (Head hc : heads) {
            for (int i = 0; i < hc.qk.size(); i++) {
                int destination = hc.qk.rows()[i];
                int source = hc.qk.cols()[i];
                out.add(new SkipTrigram(hc.layer, hc.head, source, destination, hc.ov.rowArgMax()[source],
                        hc.qk.values()[i], hc.ov.rowMax()[source]));
            }
        }
        return out;
    }

    private static INDArray require(Map<String, INDArray> sd, String key) {
        INDArray w = sd.get(key);
        if (w == null) {
            throw new IllegalArgumentException("state dict has no " + key + " (expected TransformerLens layout)");
        }
        return w;
    }

    private static INDArray head(Map<String, INDArray> sd, String key, int h) {
        return require(sd, key).get(NDArrayIndex.point(h), NDArrayIndex.all(), NDArrayIndex.all()).castTo(DataType.FLOAT);
    }

    // ---- CSV output ----

    public static void writeHeadTables(List<Head> heads, Path dir, TokenText text) throws IOException {
        try (CSVPrinter ov = csv(dir.resolve("ov_circuit_top.csv"), "layer", "head", "rank", "source_id", "source", "output_id", "output", "value");
             CSVPrinter qk = csv(dir.resolve("qk_circuit_top.csv"), "layer", "head", "rank", "query_id", "query", "key_id", "key", "value");
             CSVPrinter cp = csv(dir.resolve("ov_copying.csv"), "layer", "head", "name", "copying_score", "elhage_ratio", "ov_self_top1")) {
            for (Head h : heads) {
                for (int i = 0; i < h.ov.size(); i++) {
                    ov.printRecord(h.layer, h.head, i + 1, h.ov.rows()[i], text.label(h.ov.rows()[i]),
                            h.ov.cols()[i], text.label(h.ov.cols()[i]), h.ov.values()[i]);
                }
                for (int i = 0; i < h.qk.size(); i++) {
                    qk.printRecord(h.layer, h.head, i + 1, h.qk.rows()[i], text.label(h.qk.rows()[i]),
                            h.qk.cols()[i], text.label(h.qk.cols()[i]), h.qk.values()[i]);
                }
                cp.printRecord(h.layer, h.head, HeadScores.head(h.layer, h.head), h.copying.positiveShare(),
                        h.copying.elhageRatio(), h.ovSelfTop1());
            }
        }
    }

    public static void writeDirectPath(VocabTopK.Result direct, Path file, TokenText text) throws IOException {
        try (CSVPrinter p = csv(file, "rank", "current_id", "current", "next_id", "next", "logit")) {
            for (int i = 0; i < direct.size(); i++) {
                p.printRecord(i + 1, direct.rows()[i], text.label(direct.rows()[i]), direct.cols()[i],
                        text.label(direct.cols()[i]), direct.values()[i]);
            }
        }
    }

    public static void writeSkipTrigrams(List<SkipTrigram> trigrams, Path file, TokenText text) throws IOException {
        try (CSVPrinter p = csv(file, "layer", "head", "source_id", "source", "destination_id", "destination",
                "output_id", "output", "qk", "ov")) {
            for (SkipTrigram t : trigrams) {
                p.printRecord(t.layer, t.head, t.source, text.label(t.source), t.destination, text.label(t.destination),
                        t.output, text.label(t.output), t.qk, t.ov);
            }
        }
    }

    public static void writeComposition(Composition.Table table, Path file) throws IOException {
        try (CSVPrinter p = csv(file, "kind", "layer1", "head1", "layer2", "head2", "score", "random_baseline", "random_std")) {
            for (Composition.Score s : table.scores()) {
                p.printRecord(s.kind(), s.layer1(), s.head1(), s.layer2(), s.head2(), s.score(),
                        table.randomBaseline(), table.randomStd());
            }
        }
    }

    static CSVPrinter csv(Path file, String... header) throws IOException {
        Writer w = Files.newBufferedWriter(file);
        return new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header).get());
    }
}
