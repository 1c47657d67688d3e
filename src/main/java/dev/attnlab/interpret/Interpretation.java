package dev.attnlab.interpret;

import dev.attnlab.data.SequenceWindows;
import dev.attnlab.eval.EvalRows;
import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.eval.Rows;
import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.model.HookedModel;
import dev.attnlab.model.ModelConfig;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.tracking.Tracker;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the interpret stage computes, independent of how the model was loaded: attention pictures
 * and viewer, head scores, circuits, ablations and the report (formulas in docs/interpret.md).
 */
public final class Interpretation {

    /**
     * @param ablationBatches batches of validation rows and of repeated-token sequences for ablation
     * @param metricStep      step at which final head metrics are logged (the last training step)
     */
    public record Settings(InterpretSpec spec, int batchSize, long seed, int ablationBatches,
                           long metricStep) { }

    /** Everything the report shows. */
    public record Results(ModelConfig cfg, List<AttentionViewer.Sequence> sequences, Map<String, List<Path>> attentionPngs,
                          HeadScores scores, Path scoresPng, List<Circuits.Head> circuits, VocabTopK.Result directPath,
                          List<Circuits.SkipTrigram> skipTrigrams, Composition.Table composition, Ablation.Table ablation,
                          int blockLen, TokenText text, Map<String, Long> timingsMs) { }

    private final HookedModel model;
    private final TokenizedData data;
    private final RunTokenizer tokenizer;
    private final Settings settings;
    private final Progress progress;
    private final RunLog log;

    public Interpretation(HookedModel model, TokenizedData data, RunTokenizer tokenizer, Settings settings,
                          Progress progress, RunLog log) {
        this.model = model;
        this.data = data;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.progress = progress;
        this.log = log;
    }

    public Results run(Path out, Tracker tracker) throws IOException {
        ModelConfig cfg = model.cfg();
        InterpretSpec spec = settings.spec;
        Map<String, Long> timings = new LinkedHashMap<>();
        List<Path> artifacts = new ArrayList<>();
        int blockLen = RepeatedTokens.blockLength(spec.inductionBlockLen(), cfg.nCtx());

        long t0 = System.nanoTime();
        List<AttentionViewer.Sequence> sequences = attentionSequences(blockLen);
        Map<String, List<Path>> pngs = new LinkedHashMap<>();
        Path attnDir = Files.createDirectories(out.resolve("attention"));
        for (int i = 0; i < sequences.size(); i++) {
            AttentionViewer.Sequence s = sequences.get(i);
            List<Path> files = new ArrayList<>();
            for (int l = 0; l < cfg.nLayers(); l++) {
                Path png = attnDir.resolve(String.format(Locale.ROOT, "seq%02d_L%d.png", i, l));
                Heatmaps.writePng(Heatmaps.layerPatterns(s.name(), s.tokens(), s.patterns()[l], l), png);
                files.add(png);
                artifacts.add(png);
            }
            pngs.put(s.name(), files);
        }
        Path viewer = out.resolve("attention_viewer.html");
        AttentionViewer.writePage(viewer, "Attention patterns — " + modelName(), sequences);
        artifacts.add(viewer);
        timings.put("attention", ms(t0));

        t0 = System.nanoTime();
        HeadScores scores = HeadScores.compute(model, blockLen, HeadScores.DEFAULT_SEQUENCES, settings.seed);
        scores.log(tracker, settings.metricStep);
        Path scoresCsv = out.resolve("head_scores.csv");
        scores.writeCsv(scoresCsv);
        Path scoresPng = out.resolve("head_scores.png");
        Heatmaps.writePng(Heatmaps.scoreGrid(new String[] {"previous-token", "duplicate-token", "induction"},
                new double[][][] {scores.prevToken(), scores.duplicateToken(), scores.induction()}), scoresPng);
        artifacts.add(scoresCsv);
        artifacts.add(scoresPng);
        timings.put("head_scores", ms(t0));

        t0 = System.nanoTime();
        Map<String, INDArray> sd = model.stateDict();
        List<Circuits.Head> circuits = Circuits.heads(sd, cfg, spec.topK(), spec.vocabChunk(), progress);
        Circuits.writeHeadTables(circuits, out, tokenizer);
        for (Circuits.Head h : circuits) {
            String p = "heads/" + HeadScores.head(h.layer(), h.head()) + "/";
            tracker.logMetric(p + "ov_copying", h.copying().positiveShare(), settings.metricStep);
            tracker.logMetric(p + "ov_self_top1", h.ovSelfTop1(), settings.metricStep);
        }
        artifacts.add(out.resolve("ov_copying.csv"));
        artifacts.add(out.resolve("ov_circuit_top.csv"));
        artifacts.add(out.resolve("qk_circuit_top.csv"));
        VocabTopK.Result direct = Circuits.directPath(sd, spec.topK(), spec.vocabChunk());
        Circuits.writeDirectPath(direct, out.resolve("direct_path_bigrams.csv"), tokenizer);
        artifacts.add(out.resolve("direct_path_bigrams.csv"));
        List<Circuits.SkipTrigram> trigrams = null;
        Composition.Table composition = null;
        if (cfg.nLayers() == 1) {
            trigrams = Circuits.skipTrigrams(circuits);
            Circuits.writeSkipTrigrams(trigrams, out.resolve("skip_trigrams.csv"), tokenizer);
            artifacts.add(out.resolve("skip_trigrams.csv"));
        } else {
            composition = Composition.all(sd, cfg.nLayers(), cfg.nHeads(), cfg.dModel(), cfg.dHead(), settings.seed);
            Circuits.writeComposition(composition, out.resolve("composition.csv"));
            artifacts.add(out.resolve("composition.csv"));
        }
        timings.put("circuits", ms(t0));

        Ablation.Table ablation = null;
        if (spec.ablation()) {
            t0 = System.nanoTime();
            int n = Math.max(1, settings.ablationBatches) * settings.batchSize;
            int[][] valRows = EvalRows.evenlySpaced(data.windows("val", cfg.nCtx()), n);
            int[][] indRows = RepeatedTokens.generate(n, blockLen, data.vocabSize(), settings.seed + 1, EvalRows.specialIds(data));
            ablation = Ablation.run(model, valRows, data.padId(), indRows, blockLen, settings.batchSize, progress);
            tracker.logMetrics(ablation.metrics(), settings.metricStep);
            ablation.writeCsv(out.resolve("ablation.csv"));
            artifacts.add(out.resolve("ablation.csv"));
            timings.put("ablation", ms(t0));
        }

        Results results = new Results(cfg, sequences, pngs, scores, scoresPng, circuits, direct, trigrams,
                composition, ablation, blockLen, tokenizer, timings);
        Path report = out.resolve("report.html");
        Report.write(report, modelName(), results);
        tracker.logArtifact(report, "");
        for (Path a : artifacts) {
            Path rel = out.relativize(a).getParent();
            tracker.logArtifact(a, rel == null ? "interpret" : "interpret/" + rel.toString().replace('\\', '/'));
        }
        tracker.logArtifact(report, "interpret");
        log.info("interpret: " + timings);
        return results;
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Prompts, sampled validation rows and one repeated-random-token sequence, with their patterns. */
    private List<AttentionViewer.Sequence> attentionSequences(int blockLen) throws IOException {
        int nCtx = model.cfg().nCtx();
        Map<String, int[]> inputs = new LinkedHashMap<>();
        List<String> prompts = settings.spec.prompts() == null ? List.of() : settings.spec.prompts();
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = tokenizer.encode(prompts.get(i));
            if (ids.length < 2) {
                log.warn("interpret.prompts[" + i + "] has fewer than 2 tokens after tokenization; skipped");
                continue;
            }
            if (ids.length > nCtx) {
                log.warn("interpret.prompts[" + i + "] has " + ids.length + " tokens; using the first n_ctx = " + nCtx);
                ids = Arrays.copyOf(ids, nCtx);
            }
            inputs.put("prompt " + i, ids);
        }
        if (settings.spec.samples() > 0) {
            SequenceWindows w = data.windows("val", nCtx);
            int[][] rows = EvalRows.evenlySpaced(w, settings.spec.samples());
            for (int i = 0; i < rows.length; i++) {
                int len = nCtx;
                while (len > 1 && data.padId() >= 0 && rows[i][len - 1] == data.padId()) len--;
                inputs.put("validation sample " + i, Arrays.copyOf(rows[i], len));
            }
        }
        int shown = Math.min(blockLen, 24);
        inputs.put("repeated random tokens", RepeatedTokens.generate(1, shown, data.vocabSize(), settings.seed + 2,
                EvalRows.specialIds(data))[0]);

        Set<String> hooks = new HashSet<>();
        for (int l = 0; l < model.cfg().nLayers(); l++) hooks.add(HeadScores.patternHook(l));
        List<AttentionViewer.Sequence> out = new ArrayList<>();
        for (Map.Entry<String, int[]> e : inputs.entrySet()) {
            int[] ids = e.getValue();
            Map<String, INDArray> acts = model.run(Rows.tokens(new int[][] {ids}), hooks);
            dev.attnlab.eval.TokenLoss.release(acts.get("logits"));
            float[][][][] patterns = new float[model.cfg().nLayers()][][][];
            for (int l = 0; l < patterns.length; l++) {
                INDArray p = acts.get(HeadScores.patternHook(l)).castTo(DataType.FLOAT);
                patterns[l] = new float[model.cfg().nHeads()][][];
                for (int h = 0; h < patterns[l].length; h++) {
                    patterns[l][h] = p.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(h)).toFloatMatrix();
                }
            }
            String[] labels = new String[ids.length];
            for (int i = 0; i < ids.length; i++) labels[i] = tokenizer.label(ids[i]);
            out.add(new AttentionViewer.Sequence(e.getKey(), labels, patterns));
        }
        return out;
    }

    /**
     * What the pages call the model: its shape, not the spec's name, which is no part of this stage's
     * key (a renamed spec reuses the cached pages).
     */
    private String modelName() {
        var c = model.cfg();
        return c.nLayers() + "-layer, " + c.nHeads() + "-head model (d_model " + c.dModel() + ", n_ctx " + c.nCtx()
                + ", vocab " + c.dVocab() + ")";
    }
}
