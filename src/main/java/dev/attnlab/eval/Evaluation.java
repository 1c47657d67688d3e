package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenizedData;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.data.SequenceWindows;
import dev.attnlab.model.HookedModel;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.tracking.Tracker;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the evaluate stage computes, independent of how the model was loaded: losses per split,
 * loss by position, the in-context-learning score, the repeated-random-token losses and the
 * n-gram baselines. Every metric is named {@code eval/...}.
 */
public final class Evaluation {

    /** Loss, accuracy and loss by position over a set of rows. */
    public record SplitResult(double loss, double accuracy, long tokens, double[] lossByPosition, long[] countByPosition) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    public record Settings(EvaluateSpec spec, int batchSize, long seed) { }

    private final HookedModel model;
    private final TokenizedData data;
    private final Settings settings;
    private final Progress progress;
    private final RunLog log;

    public Evaluation(HookedModel model, TokenizedData data, Settings settings, Progress progress, RunLog log) {
        this.model = model;
        this.data = data;
        this.settings = settings;
        this.progress = progress;
        this.log = log;
        if (data.vocabSize() > model.cfg().dVocab()) {
            throw new IllegalStateException("the tokenizer's vocabulary (" + data.vocabSize()
                    + ") is larger than the model's d_vocab (" + model.cfg().dVocab() + "): the model was trained on other data");
        }
    }

    /** Runs everything, writes metrics.json, CSVs and PNGs into {@code out} and logs metrics and artifacts. */
    public Map<String, Double> run(Path out, Tracker tracker, String artifactDir) throws IOException {
        int nCtx = model.cfg().nCtx();
        EvaluateSpec spec = settings.spec;
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<Path> artifacts = new ArrayList<>();
        int maxRows = spec.maxBatches() <= 0 ? 0 : spec.maxBatches() * settings.batchSize;

        int[][] valRows = null;
        SplitResult val = null;
        for (String split : new String[] {"val", "test"}) {
            if (!data.has(split)) {
                if ("val".equals(split)) {
                    throw new IOException(data.dir() + " has no val shard: evaluate needs the validation split");
                }
                log.info("evaluate: no test split; skipping test metrics");
                continue;
            }
            SequenceWindows w = data.windows(split, nCtx);
            int[][] rows = EvalRows.evenlySpaced(w, maxRows);
            if (rows.length == 0) {
                throw new IOException(data.dir() + ": the " + split + " split has no row of n_ctx + 1 = " + (nCtx + 1)
                        + " tokens; use a smaller model.n_ctx or more data");
            }
            SplitResult r = lossOn(rows, data.padId(), split);
            metrics.put("eval/" + split + "/loss", r.loss);
            metrics.put("eval/" + split + "/ppl", r.perplexity());
            metrics.put("eval/" + split + "/accuracy", r.accuracy);
            metrics.put("eval/" + split + "/tokens", (double) r.tokens);
            if ("val".equals(split)) {
                valRows = rows;
                val = r;
            }
        }

        // in-context learning score on the validation loss by position
        int[] icl = iclPositions(spec, nCtx);
        double iclScore = val.lossByPosition[icl[1]] - val.lossByPosition[icl[0]];
        metrics.put("eval/icl_score", iclScore);
        metrics.put("eval/icl_early_pos", (double) icl[0]);
        metrics.put("eval/icl_late_pos", (double) icl[1]);
        if (Double.isNaN(iclScore)) {
            log.warn("evaluate: no validation token at position " + icl[0] + " or " + icl[1]
                    + " (padding?): the in-context-learning score is NaN");
        }
        Path lossCsv = out.resolve("loss_by_position.csv");
        StringBuilder sb = new StringBuilder("position,loss,tokens\n");
        double[] pos = new double[nCtx];
        for (int p = 0; p < nCtx; p++) {
            pos[p] = p;
            sb.append(String.format(Locale.ROOT, "%d,%.6f,%d%n", p, val.lossByPosition[p], val.countByPosition[p]));
        }
        Files.writeString(lossCsv, sb.toString());
        Path lossPng = out.resolve("loss_by_position.png");
        LinePlot.write(lossPng, String.format(Locale.ROOT, "Validation loss by position (ICL score %.3f = loss@%d - loss@%d)",
                        iclScore, icl[1], icl[0]), "token position", "loss (nats)",
                List.of(new LinePlot.Series("validation", pos, val.lossByPosition, new Color(31, 119, 180))));
        artifacts.add(lossCsv);
        artifacts.add(lossPng);

        // repeated random tokens
        int blockLen = RepeatedTokens.blockLength(spec.inductionBlockLen(), nCtx);
        int count = Math.max(1, spec.inductionBatches()) * settings.batchSize;
        int[][] rep = RepeatedTokens.generate(count, blockLen, data.vocabSize(), settings.seed, EvalRows.specialIds(data));
        SplitResult repeated = lossOn(rep, -1, "repeated tokens");
        double[] sumFirst = new double[2];
        double[] sumRepeat = new double[2];
        for (int p = 0; p < repeated.lossByPosition.length; p++) {
            double[] acc = RepeatedTokens.isFirstHalfPrediction(p, blockLen) ? sumFirst
                    : RepeatedTokens.isRepeatedHalfPrediction(p, blockLen) ? sumRepeat : null;
            if (acc != null) {
                acc[0] += repeated.lossByPosition[p] * repeated.countByPosition[p];
                acc[1] += repeated.countByPosition[p];
            }
        }
        double firstHalf = sumFirst[0] / sumFirst[1];
        double repeatedHalf = sumRepeat[0] / sumRepeat[1];
        metrics.put("eval/repeated/first_half_loss", firstHalf);
        metrics.put("eval/repeated/repeated_half_loss", repeatedHalf);
        metrics.put("eval/repeated/loss_drop", firstHalf - repeatedHalf);
        metrics.put("eval/repeated/block_len", (double) blockLen);
        Path repCsv = out.resolve("repeated_tokens_loss.csv");
        StringBuilder rs = new StringBuilder("position,loss,half\n");
        double[] rpos = new double[repeated.lossByPosition.length];
        for (int p = 0; p < rpos.length; p++) {
            rpos[p] = p;
            String half = RepeatedTokens.isFirstHalfPrediction(p, blockLen) ? "first"
                    : RepeatedTokens.isRepeatedHalfPrediction(p, blockLen) ? "repeated" : "unpredictable";
            rs.append(String.format(Locale.ROOT, "%d,%.6f,%s%n", p, repeated.lossByPosition[p], half));
        }
        Files.writeString(repCsv, rs.toString());
        Path repPng = out.resolve("repeated_tokens_loss.png");
        double uniform = Math.log(data.vocabSize());
        double[] flat = new double[rpos.length];
        java.util.Arrays.fill(flat, uniform);
        LinePlot.write(repPng, String.format(Locale.ROOT, "Repeated random tokens (block %d): first half %.3f, repeated half %.3f",
                        blockLen, firstHalf, repeatedHalf), "token position", "loss (nats)",
                List.of(new LinePlot.Series("model", rpos, repeated.lossByPosition, new Color(214, 39, 40)),
                        new LinePlot.Series("uniform ln(V)", rpos, flat, Color.GRAY)));
        artifacts.add(repCsv);
        artifacts.add(repPng);

        // n-gram baselines from the training shard
        if (data.has("train")) {
            try (Progress.Task task = progress.start("n-gram baselines", -1, "")) {
                NgramBaselines ngrams = NgramBaselines.count(data.shard("train"), data.vocabSize(), data.padId(),
                        "concat".equals(data.packing()));
                double[] ce = ngrams.crossEntropy(valRows, data.padId());
                metrics.put("eval/baseline/unigram_ce", ce[0]);
                metrics.put("eval/baseline/bigram_ce", ce[1]);
                metrics.put("eval/baseline/train_tokens_counted", (double) ngrams.countedTokens());
                task.step(1);
            }
        } else {
            log.warn("evaluate: no train shard in " + data.dir() + "; skipping the n-gram baselines");
        }

        for (Map.Entry<String, Double> m : metrics.entrySet()) {
            tracker.logMetric(m.getKey(), m.getValue(), 0);
        }
        for (int p = 0; p < nCtx; p++) {
            if (Double.isFinite(val.lossByPosition[p])) {
                tracker.logMetric("eval/val/loss_by_position", val.lossByPosition[p], p);
            }
        }
        Path json = out.resolve("metrics.json");
        Map<String, Object> doc = new LinkedHashMap<>();
        metrics.forEach((k, v) -> doc.put(k, Double.isFinite(v) ? v : null));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
        artifacts.add(0, json);
        for (Path a : artifacts) {
            tracker.logArtifact(a, artifactDir);
        }
        return metrics;
    }

    /** {early, late} output positions of the in-context-learning score; validates the spec values. */
    public static int[] iclPositions(EvaluateSpec spec, int nCtx) {
        int late = spec.iclLate() > 0 ? spec.iclLate() : Math.min(500, nCtx - 1);
        int early = spec.iclEarly() > 0 ? spec.iclEarly() : Math.min(50, Math.max(1, nCtx / 10));
        if (late >= nCtx) {
            throw new IllegalArgumentException("evaluate.icl_late = " + late + " is outside the context (n_ctx = "
                    + nCtx + "); use a position below " + nCtx + " or 0 for automatic");
        }
        if (early >= late) {
            throw new IllegalArgumentException("evaluate.icl_early = " + early + " must be below icl_late = " + late
                    + "; set both or leave them 0 for automatic");
        }
        return new int[] {early, late};
    }

    /** Loss over rows of T + 1 tokens (inputs = the first T, targets = the last T). */
    public SplitResult lossOn(int[][] rows, int padId, String label) {
        int t = rows[0].length - 1;
        double[] sumByPos = new double[t];
        long[] countByPos = new long[t];
        double sum = 0;
        long n = 0;
        long correct = 0;
        int batch = Rows.perForward(settings.batchSize, t, model.cfg().dVocab());
        try (Progress.Task task = progress.start("evaluate " + label, rows.length, "rows")) {
            for (int from = 0; from < rows.length; from += batch) {
                int[][] b = Rows.slice(rows, from, from + batch);
                INDArray logits = model.run(Rows.tokens(Rows.inputs(b)), Set.of()).get("logits");
                TokenLoss.Result r = TokenLoss.of(logits, Rows.targets(b), padId);
                for (int i = 0; i < b.length; i++) {
                    for (int p = 0; p < t; p++) {
                        float l = r.nll()[i][p];
                        if (Float.isNaN(l)) continue;
                        sumByPos[p] += l;
                        countByPos[p]++;
                        sum += l;
                        n++;
                        if (r.correct()[i][p]) correct++;
                    }
                }
                task.step(b.length);
                if (n > 0) task.status(String.format(Locale.ROOT, "loss %.4f", sum / n));
            }
        }
        double[] byPos = new double[t];
        for (int p = 0; p < t; p++) byPos[p] = countByPos[p] == 0 ? Double.NaN : sumByPos[p] / countByPos[p];
        return new SplitResult(n == 0 ? Double.NaN : sum / n, n == 0 ? Double.NaN : (double) correct / n, n, byPos, countByPos);
    }
}
