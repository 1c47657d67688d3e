package dev.attnlab.interpret;

import dev.attnlab.eval.Evaluation;
import dev.attnlab.tokenize.TokenizedData;
import dev.attnlab.model.ModelConfig;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.EvaluateSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.tokenize.TokenShardWriter;
import dev.attnlab.tracking.Tracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times the evaluate and interpret computations with the spec defaults on a randomly initialised
 * production model of the notebooks' largest shape (vocab 50,257, d_model 256, n_ctx 80) over random-token
 * shards. Run by bench/eval-interpret-speed.sh; prints one line per stage.
 * Args: outDir nLayers nHeads [vocab] [trainTokens]
 */
public final class StageBenchmark {

    private StageBenchmark() {
    }

    /** One stderr line per finished task, with its duration. */
    static final Progress LINES = (label, total, unit) -> {
        long t0 = System.nanoTime();
        return new Progress.Task() {
            @Override public void step(long n) { }
            @Override public void status(String text) { }
            @Override public void close() {
                System.err.printf(Locale.ROOT, "  %s: %.1f s%n", label, (System.nanoTime() - t0) / 1e9);
            }
        };
    };

    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args[0]));
        int nLayers = Integer.parseInt(args[1]);
        int nHeads = Integer.parseInt(args[2]);
        int vocab = args.length > 3 ? Integer.parseInt(args[3]) : 50_257;
        int trainTokens = args.length > 4 ? Integer.parseInt(args[4]) : 2_000_000;
        int dModel = 256;
        int nCtx = 80;
        Path tok = Files.createDirectories(out.resolve("tokenized"));
        Random rng = new Random(1);
        writeShard(tok, "train", trainTokens, vocab, rng);
        writeShard(tok, "val", 81 * 2000, vocab, rng);
        writeShard(tok, "test", 81 * 2000, vocab, rng);
        Files.writeString(tok.resolve("manifest.json"), "{\"tokenizer\":\"none\",\"vocab_size\":" + vocab
                + ",\"wide\":true,\"eot_id\":-1,\"pad_id\":-1,\"packing\":\"concat\",\"splits\":{\"train\":{},\"val\":{},\"test\":{}}}");
        ModelConfig cfg = ReferenceAttentionModel.config(nLayers, dModel, nHeads, dModel / nHeads, nCtx, vocab);
        // the production model (model.Transformer), randomly initialised as the trainer would
        dev.attnlab.model.HookedModel model = dev.attnlab.model.Transformer.init(cfg, org.nd4j.linalg.api.buffer.DataType.FLOAT, 3);
        TokenizedData data = TokenizedData.open(tok);
        String label = String.format(Locale.ROOT, "vocab %d, d_model %d, n_ctx %d, %d layer(s) x %d heads", vocab, dModel, nCtx, nLayers, nHeads);

        // spec defaults: evaluate {max_batches 50, induction_batches 4}, train.batch_size 32,
        // interpret {samples 2, top_k 20, ablation true, vocab_chunk 4096}
        List<String> stages = List.of(System.getProperty("stages", "evaluate interpret").split(" "));
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        if (stages.contains("evaluate")) {
            new Evaluation(model, data, new Evaluation.Settings(new EvaluateSpec(50, 0, 0, 0, 4), 32, 0), LINES,
                    RunLog.STDERR).run(Files.createDirectories(out.resolve("evaluate")), Tracker.NONE, "evaluate");
            double evalS = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "evaluate  %s: %.1f s wall, %.1f s CPU%n", label, evalS, (cpuNanos() - c0) / 1e9);
        }
        if (!stages.contains("interpret")) return;

        t0 = System.nanoTime();
        c0 = cpuNanos();
        InterpretSpec spec = new InterpretSpec(true, List.of(), 2, 0, 20, true, 4096, 0);
        Interpretation.Results r = new Interpretation(model, data, RunTokenizer.ids(vocab),
                new Interpretation.Settings(spec, 32, 0, 4, 0), LINES, RunLog.STDERR)
                .run(Files.createDirectories(out.resolve("interpret")), Tracker.NONE);
        double interpS = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "interpret %s: %.1f s wall, %.1f s CPU; parts (ms wall) %s%n", label, interpS,
                (cpuNanos() - c0) / 1e9, r.timingsMs());
    }

    /** CPU time of the whole process (all threads, native included): robust to a busy shared machine. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void writeShard(Path dir, String name, int tokens, int vocab, Random rng) throws Exception {
        try (TokenShardWriter w = new TokenShardWriter(dir, name, true)) {
            int[] doc = new int[1000];
            for (int done = 0; done < tokens; done += doc.length) {
                int n = Math.min(doc.length, tokens - done);
                for (int i = 0; i < n; i++) doc[i] = rng.nextInt(vocab);
                w.add(doc, n);
            }
        }
    }
}
