package dev.attnlab.interpret;

import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.eval.Rows;
import dev.attnlab.eval.TokenLoss;
import dev.attnlab.model.HookedModel;
import dev.attnlab.tracking.Tracker;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Previous-token, duplicate-token and induction scores of every head ([layer][head]), measured on
 * repeated random tokens (see {@link AttentionScores} for the definitions). Called by the interpret
 * stage and, with {@code interpret.every: N}, by the trainer at checkpoints:
 * <pre>
 *   HeadScores.compute(model, blockLen, sequences, seed).log(tracker, step);
 * </pre>
 */
public record HeadScores(double[][] prevToken, double[][] duplicateToken, double[][] induction) {

    /** Sequences scored by default; 4 batches of 16 gives stable means to about +-0.01. */
    public static final int DEFAULT_SEQUENCES = 64;
    private static final int BATCH = 16;

    /**
     * @param blockLen  repeated block length; 0 = n_ctx / 2
     * @param sequences number of random repeated sequences (run in batches of 16)
     * @param seed      seeds the random tokens (the same seed gives the same task at every checkpoint)
     */
    public static HeadScores compute(HookedModel model, int blockLen, int sequences, long seed) {
        int nLayers = model.cfg().nLayers();
        int nHeads = model.cfg().nHeads();
        int len = RepeatedTokens.blockLength(blockLen, model.cfg().nCtx());
        int[][] all = RepeatedTokens.generate(sequences, len, model.cfg().dVocab(), seed);
        double[][][] sums = new double[3][nLayers][nHeads];
        Set<String> hooks = new HashSet<>();
        for (int l = 0; l < nLayers; l++) {
            hooks.add(patternHook(l));
        }
        int batches = 0;
        for (int from = 0; from < all.length; from += BATCH) {
            int[][] rows = Rows.slice(all, from, from + BATCH);
            Map<String, INDArray> acts = model.run(Rows.tokens(rows), hooks);
            TokenLoss.release(acts.get("logits"));
            for (int l = 0; l < nLayers; l++) {
                INDArray pattern = acts.get(patternHook(l));
                add(sums[0][l], AttentionScores.prevToken(pattern, rows), rows.length);
                add(sums[1][l], AttentionScores.duplicateToken(pattern, rows), rows.length);
                add(sums[2][l], AttentionScores.induction(pattern, rows), rows.length);
            }
            batches += rows.length;
        }
        for (double[][] kind : sums) {
            for (double[] layer : kind) {
                for (int h = 0; h < nHeads; h++) layer[h] /= batches;
            }
        }
        return new HeadScores(sums[0], sums[1], sums[2]);
    }

    public static String patternHook(int layer) {
        return "blocks." + layer + ".attn.hook_pattern";
    }

    private static void add(double[] acc, double[] batchMean, int weight) {
        for (int h = 0; h < acc.length; h++) acc[h] += batchMean[h] * weight;
    }

    public int nLayers() {
        return induction.length;
    }

    public int nHeads() {
        return induction[0].length;
    }

    public static String head(int layer, int head) {
        return "L" + layer + "H" + head;
    }

    /** {@code heads/L{l}H{h}/prev_token|duplicate_token|induction}. */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int l = 0; l < nLayers(); l++) {
            for (int h = 0; h < nHeads(); h++) {
                String p = "heads/" + head(l, h) + "/";
                m.put(p + "prev_token", prevToken[l][h]);
                m.put(p + "duplicate_token", duplicateToken[l][h]);
                m.put(p + "induction", induction[l][h]);
            }
        }
        return m;
    }

    public void log(Tracker tracker, long step) {
        tracker.logMetrics(metrics(), step);
    }

    /** The best head for a score: {layer, head}. */
    public int[] argMax(double[][] score) {
        int[] best = {0, 0};
        for (int l = 0; l < score.length; l++) {
            for (int h = 0; h < score[l].length; h++) {
                if (score[l][h] > score[best[0]][best[1]]) best = new int[] {l, h};
            }
        }
        return best;
    }

    public void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("layer,head,name,prev_token,duplicate_token,induction\n");
        for (int l = 0; l < nLayers(); l++) {
            for (int h = 0; h < nHeads(); h++) {
                sb.append(String.format(Locale.ROOT, "%d,%d,%s,%.6f,%.6f,%.6f%n", l, h, head(l, h),
                        prevToken[l][h], duplicateToken[l][h], induction[l][h]));
            }
        }
        Files.writeString(file, sb.toString());
    }
}
