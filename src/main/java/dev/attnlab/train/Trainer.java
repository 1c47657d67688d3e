package dev.attnlab.train;

import dev.attnlab.tracking.TrackingMeters;
import io.micrometer.core.instrument.Counter;

import dev.attnlab.model.ModelConfig;
import dev.attnlab.model.Transformer;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.StageParams;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.TrainSpec;
import dev.attnlab.tracking.Tracker;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training loop: seeded data order, learning-rate schedule, AdamW, evaluation on the validation
 * rows, per-step metrics, progress, and checkpoints that a later run resumes from exactly.
 */
public final class Trainer {

    /**
     * The loss metrics. A NaN or infinite value of either is logged and then ends training with an
     * error: a sweep reads that pair as a diverged trial ({@code sweep.ProcessTrialRunner}).
     */
    public static final String TRAIN_LOSS = "train/loss";
    public static final String VAL_LOSS = "val/loss";

    public record Summary(long steps, long resumedFromStep, double trainLoss, double valLoss, double valPpl,
                          double tokensPerSecond, long tokens, double seconds) { }

    private final ModelConfig cfg;
    private final TrainSpec spec;
    private final long seed;
    private final int padId;
    private final Rows train;
    private final Rows val;
    private final Checkpoints checkpoints;
    private final Tracker tracker;
    private final MetricJournal journal;
    private final Progress progress;
    private final RunLog log;
    private final Transformer model;
    private final String fingerprint;
    private final Checkpoints.Loaded initial;
    private volatile boolean stopRequested;

    /**
     * @param val           validation rows, or null for none
     * @param checkpoints   where checkpoints go and resume reads from
     * @param metricJournal where the step metrics are journaled so a resumed run replays them (beside
     *                      the checkpoints), or null for none
     */
    public Trainer(ModelConfig cfg, TrainSpec spec, long seed, int padId, Rows train, Rows val,
                   Checkpoints checkpoints, Path metricJournal, Tracker tracker, Progress progress, RunLog log) {
        this(cfg, spec, seed, padId, train, val, checkpoints, metricJournal, tracker, progress, log,
                StageParams.hash(new Fingerprint(cfg, spec, seed, padId, train.count(), train.length())), null);
    }

    /** Everything a checkpoint must match to be resumed, when no stage key stands for it. */
    private record Fingerprint(ModelConfig model, TrainSpec train, long seed, long padId, long rows, long rowLength) { }

    /**
     * @param fingerprint what a checkpoint must carry to be resumed (the train stage passes its cache key)
     * @param initial     where training starts (train.init_from: another run's final weights, optimizer
     *                    state and step), or null for step 0 from a seeded initialisation
     */
    public Trainer(ModelConfig cfg, TrainSpec spec, long seed, int padId, Rows train, Rows val,
                   Checkpoints checkpoints, Path metricJournal, Tracker tracker, Progress progress, RunLog log,
                   String fingerprint, Checkpoints.Loaded initial) {
        this.fingerprint = fingerprint;
        this.initial = initial;
        this.journal = metricJournal == null ? null : new MetricJournal(tracker, metricJournal);
        this.tracker = journal == null ? tracker : journal;
        this.cfg = cfg;
        this.spec = spec;
        this.seed = seed;
        this.padId = padId;
        this.train = train;
        this.val = val;
        this.checkpoints = checkpoints;
        this.progress = progress;
        this.log = log;
        if (train.count() < 1) {
            throw new IllegalArgumentException("no training rows: the train split has fewer than n_ctx + 1 = "
                    + train.length() + " tokens; lower model.n_ctx or add data");
        }
        if (spec.batchSize() < 1 || spec.batchSize() > train.count()) {
            throw new IllegalArgumentException("train.batch_size " + spec.batchSize() + " must be between 1 and the "
                    + train.count() + " training rows of " + train.length() + " tokens; lower train.batch_size");
        }
        if (train.length() - 1 > cfg.nCtx()) {
            throw new IllegalArgumentException("rows of " + train.length() + " tokens exceed model.n_ctx + 1 = " + (cfg.nCtx() + 1));
        }
        this.model = Transformer.init(cfg, DataType.FLOAT, seed);
    }

    public Transformer model() { return model; }

    /** Total optimisation steps: train.steps, else ceil(epochs × steps per epoch). */
    public long totalSteps() {
        long perEpoch = train.count() / spec.batchSize();
        return spec.steps() > 0 ? spec.steps() : Math.max(1, (long) Math.ceil(spec.epochs() * perEpoch));
    }

    /** Called with the model at chosen steps (interpret.every): looks, never changes weights or RNG. */
    @FunctionalInterface
    public interface Probe {
        void at(long step, Transformer model) throws IOException;
    }

    /** The tracker step metrics go through (journaled when the trainer has a metric journal): probes log here too. */
    public Tracker tracker() {
        return tracker;
    }

    public Summary run() throws IOException, InterruptedException {
        return run(0, (step, m) -> { });
    }

    /**
     * Asks the loop to stop after the step in progress, saving a checkpoint there (Ctrl-C on a long
     * run then loses no steps). Safe from any thread; {@link #run} then throws InterruptedException
     * (the runner reports the run as interrupted).
     */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains; with {@code probeEvery > 0} calls {@code probe} at step 0 (when starting fresh), every
     * {@code probeEvery} steps and at the last step.
     */
    public Summary run(long probeEvery, Probe probe) throws IOException, InterruptedException {
        try {
            return train(probeEvery, probe);
        } finally {
            if (journal != null) journal.close();
        }
    }

    private Summary train(long probeEvery, Probe probe) throws IOException, InterruptedException {
        int batch = spec.batchSize(), rowLen = train.length();
        long total = totalSteps();
        DataOrder order = new DataOrder(train.count(), batch, seed);
        LrSchedule schedule = new LrSchedule(spec.schedule(), spec.lr(), spec.warmupSteps(), spec.minLrRatio(), total);
        AdamW adam = new AdamW(model.parameters(), spec.beta1(), spec.beta2(), spec.eps(), spec.weightDecay(),
                spec.decayEmbeddings(), spec.decayBiases());
        TrainStep stepper = new TrainStep(model, adam, spec.gradClip(), padId);
        long start = 0;
        boolean resumed = false;
        if (spec.resume() == TrainSpec.Resume.LATEST) {
            Checkpoints.Loaded ck = checkpoints.latest(fingerprint);
            if (ck == null) {
                log.info("train: resume: latest, but no checkpoint in " + checkpoints.root() + "; starting at step 0");
            } else {
                for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
                    INDArray saved = ck.params().get(e.getKey());
                    if (saved == null) throw new IOException(ck.dir() + ": checkpoint lacks parameter " + e.getKey());
                    e.getValue().assign(saved);
                }
                adam.restore(ck.optimizer(), ck.optimizerSteps());
                start = ck.step();
                resumed = true;
                log.info("train: resumed from " + ck.dir() + " at step " + start + " of " + total);
                if (journal != null) {
                    log.info("train: replayed the " + journal.resumeAt(start) + " metric points logged up to step "
                            + start + " by earlier attempts");
                }
            }
        }
        if (!resumed && initial != null) start = startFrom(initial, adam, total);

        if (!resumed && journal != null) journal.startFresh();

        int[] rows = new int[batch * rowLen];
        long tokensPerStep = (long) batch * (rowLen - 1);
        double lastLoss = Double.NaN, valLoss = Double.NaN;
        long lastEval = -1, lastCheckpoint = start;
        long t0 = System.nanoTime();
        double emaTps = 0;
        try (Progress.Task bar = progress.start("train", total, "steps")) {
            bar.skip(start);
            if (probeEvery > 0 && !resumed) probe.at(start, model);
            Counter trainTokens = TrackingMeters.tokens("train"); // system/tokens/train in MLflow
            for (long s = start; s < total; s++) {
                int[] idx = order.batch(s);
                for (int b = 0; b < batch; b++) train.row(idx[b], rows, b * rowLen);
                double lr = schedule.at(s);
                long ts = System.nanoTime();
                TrainStep.Result r = stepper.step(rows, batch, rowLen, lr);
                double tps = tokensPerStep / ((System.nanoTime() - ts) / 1e9);
                emaTps = emaTps == 0 ? tps : 0.9 * emaTps + 0.1 * tps;
                long done = s + 1;
                if (!Double.isFinite(r.loss())) {
                    // logged so the run's curve shows where it diverged and a sweep can tell divergence from a crash
                    tracker.logMetric(TRAIN_LOSS, r.loss(), done);
                    throw new IllegalStateException("training loss became " + r.loss() + " at step " + done
                            + "; lower train.lr or set train.grad_clip");
                }
                lastLoss = r.loss();
                trainTokens.increment(tokensPerStep);
                if (spec.logEvery() > 0 && (done % spec.logEvery() == 0 || done == total)) {
                    tracker.logMetric(TRAIN_LOSS, r.loss(), done);
                    tracker.logMetric("train/lr", lr, done);
                    tracker.logMetric("train/grad_norm", r.gradNorm(), done);
                    tracker.logMetric("train/tokens_per_s", tps, done);
                }
                if (spec.evalEvery() > 0 && done % spec.evalEvery() == 0 && done < total) {
                    valLoss = evaluate(stepper, done);
                    lastEval = done;
                }
                if (probeEvery > 0 && (done % probeEvery == 0 || done == total)) probe.at(done, model);
                boolean stop = stopRequested && done < total;
                if (spec.checkpointEvery() > 0 && done % spec.checkpointEvery() == 0 && done < total || stop) {
                    if (journal != null) journal.sync(); // what the checkpoint covers survives with it
                    checkpoints.save(done, adam.steps(), fingerprint, model.parameters(), adam.state());
                    lastCheckpoint = done;
                }
                bar.step(1);
                bar.status(String.format("loss %.4f  %s tok/s", r.loss(), human(emaTps)));
                if (stop) {
                    log.info("train: stopped at step " + done + " of " + total + "; saved a checkpoint there, which"
                            + " the next run resumes from (train.resume: latest)");
                    throw new InterruptedException("training stopped at step " + done + " (checkpoint saved)");
                }
            }
        }
        if (lastEval != total) valLoss = evaluate(stepper, total);
        if (lastCheckpoint != total || start == total) {
            checkpoints.save(total, adam.steps(), fingerprint, model.parameters(), adam.state());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long tokens = (total - start) * tokensPerStep;
        return new Summary(total, start, lastLoss, valLoss, Math.exp(valLoss),
                seconds > 0 ? tokens / seconds : 0, tokens, seconds);
    }

    /** Validation loss over the first eval_batches batches (all of them when 0); logs val/loss and val/ppl. */
    private double evaluate(TrainStep stepper, long step) {
        if (val == null || val.count() == 0) return Double.NaN;
        int batch = Math.min(spec.batchSize(), val.count());
        int rowLen = val.length();
        int batches = val.count() / batch;
        if (spec.evalBatches() > 0) batches = Math.min(batches, spec.evalBatches());
        int[] rows = new int[batch * rowLen];
        double sum = 0;
        long count = 0;
        for (int k = 0; k < batches; k++) {
            for (int b = 0; b < batch; b++) val.row(k * batch + b, rows, b * rowLen);
            Transformer.CrossEntropy ce = stepper.evaluate(rows, batch, rowLen);
            sum += ce.sum();
            count += ce.count();
        }
        double loss = count == 0 ? Double.NaN : sum / count;
        tracker.logMetric(VAL_LOSS, loss, step);
        tracker.logMetric("val/ppl", Math.exp(loss), step);
        log.info(String.format("train: step %d  val/loss %.4f  val/ppl %.2f", step, loss, Math.exp(loss)));
        if (count > 0 && !Double.isFinite(loss)) {
            throw new IllegalStateException("validation loss became " + loss + " at step " + step
                    + "; lower train.lr or set train.grad_clip");
        }
        return loss;
    }

    /** Loads train.init_from's final state; its step must be short of this run's total. */
    private long startFrom(Checkpoints.Loaded from, AdamW adam, long total) throws IOException {
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            INDArray saved = from.params().get(e.getKey());
            if (saved == null || !java.util.Arrays.equals(saved.shape(), e.getValue().shape())) {
                throw new IOException("train.init_from: its model differs from this one (" + e.getKey() + " is "
                        + (saved == null ? "missing" : java.util.Arrays.toString(saved.shape())) + " there, "
                        + java.util.Arrays.toString(e.getValue().shape()) + " here); the model section and "
                        + "vocabulary must match");
            }
            e.getValue().assign(saved);
        }
        if (from.step() >= total) {
            throw new IllegalArgumentException("train.init_from: that run already trained " + from.step()
                    + " steps and this one's total is " + total + "; raise train.epochs or train.steps past it"
                    + " (they count from step 0)");
        }
        adam.restore(from.optimizer(), from.optimizerSteps());
        log.info("train: starting from " + from.dir() + " at step " + from.step() + " of " + total + " (train.init_from)");
        return from.step();
    }

    static String human(double v) {
        if (v >= 1e6) return String.format("%.1fM", v / 1e6);
        if (v >= 1e3) return String.format("%.1fk", v / 1e3);
        return String.format("%.0f", v);
    }
}
