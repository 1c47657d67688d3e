package dev.attnlab.train;

import dev.attnlab.tokenize.TokenizedData;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.eval.RepeatedTokens;
import dev.attnlab.interpret.HeadScoreTrajectory;
import dev.attnlab.model.Kernels;
import dev.attnlab.model.ModelConfig;
import dev.attnlab.model.ModelIO;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.pipeline.StopSignal;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.SpecKey;
import dev.attnlab.spec.TrainSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code train} stage: trains the spec's model on the tokenize stage's shards and writes
 * {@code model/} (TransformerLens safetensors + config.json), {@code training.json} and
 * {@code checkpoints/} (the final checkpoint). Periodic checkpoints live in the context's persistent
 * state directory when the runner provides one, so {@code train.resume: latest} survives a kill.
 */
public final class TrainStage implements Stage<TrainStage.Params> {

    /**
     * The model and train sections, the seed (initialisation and data order), and the two interpret
     * keys of the head-score probes taken during training ({@code interpret.every > 0}).
     */
    public record Params(ModelSpec model, TrainSpec train, long seed,
                         @SpecKey("interpret.every") int probeEvery,
                         @SpecKey("interpret.induction_block_len") int probeBlockLen) { }

    @Override public String name() { return "train"; }

    @Override public int version() { return 1; }

    @Override
    public Params params(ExperimentSpec spec) {
        return new Params(spec.model(), spec.train(), spec.seed(), spec.interpret().every(),
                spec.interpret().inductionBlockLen());
    }

    @Override
    public String initFrom(Params params) {
        return params.train().initFrom();
    }

    @Override
    public void run(Params spec, StageContext ctx) throws Exception {
        applyThreads(spec.train().threads());
        TokenizedData data = TokenizedData.open(ctx.input("tokenize"));
        ModelConfig cfg = ModelConfig.of(spec.model(), data.vocabSize());
        if (!data.has("train")) throw new IOException(data.dir() + ": no train shard (train.bin / train.idx)");
        Rows train = Rows.of(data.windows("train", cfg.nCtx()));
        Rows val = data.has("val") ? Rows.of(data.windows("val", cfg.nCtx())) : null;
        if (val == null) ctx.log().warn("train: no val shard; val/loss is not computed");

        Path out = ctx.outputDir();
        Path finalCheckpoints = out.resolve("checkpoints");
        Path ckRoot = ctx.stateDir() != null ? ctx.stateDir().resolve("checkpoints") : finalCheckpoints;
        boolean resume = spec.train().resume() == TrainSpec.Resume.LATEST;
        if (resume && ctx.stateDir() == null) {
            ctx.log().warn("train: resume: latest, but the runner gives this stage no persistent state directory;"
                    + " starting from step 0");
        }
        // journals beside the checkpoints, so a resumed run replays what came before them
        Path metricJournal = ctx.stateDir() != null ? ckRoot.resolveSibling("metrics.jsonl") : null;
        Trainer trainer = new Trainer(cfg, spec.train(), spec.seed(), data.padId(), train, val,
                new Checkpoints(ckRoot), metricJournal, ctx.tracker(), ctx.progress(), ctx.log(), ctx.key(),
                initialState(ctx));
        long nParams = trainer.model().parameters().values().stream().mapToLong(a -> a.length()).sum();
        ctx.tracker().logParams(Map.of("model.n_params", Long.toString(nParams),
                "train.total_steps", Long.toString(trainer.totalSteps())));
        ctx.log().info(String.format("train: %,d parameters, %,d training rows of %d tokens, %d steps",
                nParams, train.count(), train.length(), trainer.totalSteps()));
        int probeEvery = spec.probeEvery();
        // the probes' journal lives beside the checkpoints too, so a resumed run's trajectory starts where they do
        Path probeJournal = probeEvery > 0 && ctx.stateDir() != null ? ckRoot.resolveSibling("head_scores_by_step.csv") : null;
        if (probeJournal != null && !resume) Files.deleteIfExists(probeJournal);
        HeadScoreTrajectory trajectory = new HeadScoreTrajectory(
                RepeatedTokens.blockLength(spec.probeBlockLen(), cfg.nCtx()), spec.seed(), trainer.tracker(), probeJournal);
        Trainer.Summary s;
        // Ctrl-C or SIGTERM: checkpoint the step in progress and stop, when a later run can resume from it
        // (else the steps since the last periodic checkpoint, an hour on a CPU, would be lost)
        boolean resumable = resume && ctx.stateDir() != null;
        StopSignal.Registration onStop = resumable ? ctx.stop().onStop(trainer::requestStop) : () -> { };
        try (onStop) {
            s = trainer.run(probeEvery, trajectory::probe);
        }
        if (trajectory.size() > 0) {
            Path csv = out.resolve("head_scores_by_step.csv"), png = out.resolve("head_scores_by_step.png");
            trajectory.writeCsv(csv);
            trajectory.writePlot(png);
            ctx.tracker().logArtifact(csv, "train");
            ctx.tracker().logArtifact(png, "train");
        }

        Path modelDir = out.resolve("model");
        ModelIO.save(trainer.model(), modelDir);
        if (!ckRoot.equals(finalCheckpoints)) copyLatest(new Checkpoints(ckRoot), finalCheckpoints);
        Path summary = out.resolve("training.json");
        writeSummary(summary, s, nParams);
        ctx.tracker().logArtifact(modelDir.resolve(ModelIO.WEIGHTS), "train/model");
        ctx.tracker().logArtifact(modelDir.resolve(ModelIO.CONFIG), "train/model");
        ctx.tracker().logArtifact(summary, "train");
        ctx.log().info(String.format("train: done, train/loss %.4f, val/loss %.4f, %.0f tokens/s",
                s.trainLoss(), s.valLoss(), s.tokensPerSecond()));
    }

    /** train.init_from's final checkpoint (weights, optimizer state, step), or null without one. */
    private static Checkpoints.Loaded initialState(StageContext ctx) throws IOException {
        Optional<Path> from = ctx.optionalInput(Stage.INIT_FROM);
        if (from.isEmpty()) return null;
        Checkpoints.Loaded loaded = new Checkpoints(from.get().resolve("checkpoints")).newest();
        if (loaded == null) {
            throw new IOException("train.init_from: " + from.get() + " has no final checkpoint (checkpoints/step-*)");
        }
        return loaded;
    }

    /** train.threads > 0 sets the kernels' threads (OpenBLAS and ND4J stay at one); 0 leaves OMP_NUM_THREADS in charge. */
    static void applyThreads(int threads) {
        if (threads > 0) Kernels.setThreads(threads);
    }

    private static void copyLatest(Checkpoints from, Path to) throws IOException {
        List<Path> all = from.complete();
        if (all.isEmpty()) return;
        Path src = all.get(all.size() - 1);
        Path dst = to.resolve(src.getFileName());
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    private static void writeSummary(Path file, Trainer.Summary s, long nParams) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = json.createObjectNode();
        o.put("steps", s.steps());
        o.put("resumed_from_step", s.resumedFromStep());
        putFinite(o, "final_train_loss", s.trainLoss());
        putFinite(o, "final_val_loss", s.valLoss());            // null without a validation split
        putFinite(o, "final_val_ppl", s.valPpl());
        o.put("tokens_per_s", s.tokensPerSecond());
        o.put("tokens", s.tokens());
        o.put("seconds", s.seconds());
        o.put("n_params", nParams);
        json.writeValue(file.toFile(), o);
    }
}
