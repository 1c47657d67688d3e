package dev.attnlab.interpret;

import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.eval.Rows;
import dev.attnlab.eval.TokenLoss;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Progress;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Zero and mean ablation of each head: the head's output {@code hook_z} [batch, pos, head, d_head]
 * is replaced by zeros, or by its mean over the batch and every position of the same data set
 * (computed on a clean run), and the change in loss is measured on validation rows and on the
 * repeated half of the repeated-random-token task.
 */
public final class Ablation {

    public enum Kind { ZERO, MEAN }

    public record Row(int layer, int head, Kind kind, double valLoss, double valDelta,
                      double inductionLoss, double inductionDelta) { }

    public record Table(double cleanValLoss, double cleanInductionLoss, List<Row> rows) {

        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (Row r : rows) {
                String p = "heads/" + HeadScores.head(r.layer, r.head) + "/ablate_" + r.kind.name().toLowerCase(Locale.ROOT);
                m.put(p + "_val_dloss", r.valDelta);
                m.put(p + "_induction_dloss", r.inductionDelta);
            }
            return m;
        }

        public Row row(int layer, int head, Kind kind) {
            return rows.stream().filter(r -> r.layer == layer && r.head == head && r.kind == kind)
                    .findFirst().orElseThrow();
        }

        public void writeCsv(Path file) throws IOException {
            StringBuilder sb = new StringBuilder("layer,head,name,ablation,val_loss,val_dloss,induction_loss,induction_dloss\n");
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%.6f,%.6f,%.6f,%.6f%n", r.layer, r.head,
                        HeadScores.head(r.layer, r.head), r.kind.name().toLowerCase(Locale.ROOT),
                        r.valLoss, r.valDelta, r.inductionLoss, r.inductionDelta));
            }
            Files.writeString(file, sb.toString());
        }
    }

    private Ablation() {
    }

    /**
     * @param valRows       validation rows of n_ctx + 1 tokens
     * @param padId         padding id excluded from the validation loss (-1 = none)
     * @param inductionRows repeated-random-token sequences of 2 * blockLen tokens
     */
    public static Table run(HookedModel model, int[][] valRows, int padId, int[][] inductionRows, int blockLen,
                            int batchSize, Progress progress) {
        int nLayers = model.cfg().nLayers();
        int nHeads = model.cfg().nHeads();
        Data val = new Data(valRows, padId, p -> true);
        Data ind = new Data(inductionRows, -1, p -> RepeatedTokens.isRepeatedHalfPrediction(p, blockLen));
        INDArray[] valMeans = meanZ(model, val, batchSize);
        INDArray[] indMeans = meanZ(model, ind, batchSize);
        double cleanVal = loss(model, val, batchSize, HookedModel.HookEditor.NONE);
        double cleanInd = loss(model, ind, batchSize, HookedModel.HookEditor.NONE);
        List<Row> rows = new ArrayList<>();
        try (Progress.Task task = progress.start("ablation", 2L * nLayers * nHeads, "heads")) {
            for (int l = 0; l < nLayers; l++) {
                for (int h = 0; h < nHeads; h++) {
                    for (Kind kind : Kind.values()) {
                        double v = loss(model, val, batchSize, editor(l, h, kind == Kind.ZERO ? null : valMeans[l]));
                        double i = loss(model, ind, batchSize, editor(l, h, kind == Kind.ZERO ? null : indMeans[l]));
                        rows.add(new Row(l, h, kind, v, v - cleanVal, i, i - cleanInd));
                        task.step(1);
                    }
                }
            }
        }
        return new Table(cleanVal, cleanInd, rows);
    }

    private record Data(int[][] rows, int padId, java.util.function.IntPredicate positions) { }

    public static String zHook(int layer) {
        return "blocks." + layer + ".attn.hook_z";
    }

    /** Replaces head {@code head}'s slice of layer {@code layer}'s hook_z by zeros or by {@code means[head]}. */
    static HookedModel.HookEditor editor(int layer, int head, INDArray means) {
        String target = zHook(layer);
        return (name, value) -> {
            if (!name.equals(target)) return value;
            INDArray z = value.dup();
            INDArray slice = z.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(head), NDArrayIndex.all());
            if (means == null) {
                slice.assign(0);
            } else {
                slice.assign(means.getRow(head).castTo(z.dataType()).reshape(1, 1, means.size(1))
                        .broadcast(slice.size(0), slice.size(1), means.size(1)));
            }
            return z;
        };
    }

    /** Mean of hook_z over batch and positions per layer: [n_heads, d_head]. */
    private static INDArray[] meanZ(HookedModel model, Data data, int batchSize) {
        int nLayers = model.cfg().nLayers();
        Set<String> hooks = new HashSet<>();
        for (int l = 0; l < nLayers; l++) hooks.add(zHook(l));
        INDArray[] sums = new INDArray[nLayers];
        long n = 0;
        batchSize = Rows.perForward(batchSize, data.rows[0].length, model.cfg().dVocab());
        for (int from = 0; from < data.rows.length; from += batchSize) {
            int[][] rows = Rows.slice(data.rows, from, from + batchSize);
            Map<String, INDArray> acts = model.run(Rows.tokens(Rows.inputs(rows)), hooks);
            for (int l = 0; l < nLayers; l++) {
                INDArray z = acts.get(zHook(l)).castTo(DataType.DOUBLE);
                INDArray s = z.sum(0, 1);
                sums[l] = sums[l] == null ? s : sums[l].addi(s);
            }
            INDArray z0 = acts.get(zHook(0));
            n += z0.size(0) * z0.size(1);
            TokenLoss.release(acts.get("logits"));
        }
        for (int l = 0; l < nLayers; l++) sums[l].divi(n);
        return sums;
    }

    private static double loss(HookedModel model, Data data, int batchSize, HookedModel.HookEditor editor) {
        batchSize = Rows.perForward(batchSize, data.rows[0].length, model.cfg().dVocab());
        double sum = 0;
        double count = 0;
        for (int from = 0; from < data.rows.length; from += batchSize) {
            int[][] rows = Rows.slice(data.rows, from, from + batchSize);
            INDArray logits = model.run(Rows.tokens(Rows.inputs(rows)), Set.of(), editor).get("logits");
            double[] sc = TokenLoss.of(logits, Rows.targets(rows), data.padId).sumAndCount(data.positions);
            sum += sc[0];
            count += sc[1];
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
