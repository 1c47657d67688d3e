package dev.attnlab.sweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A fake {@link TrialRunner}: each trial reports a scripted metric curve computed from its parameters. */
final class ScriptedTrials implements TrialRunner {

    final Queue<String> started = new ConcurrentLinkedQueue<>();
    final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    final Set<String> crashOnce = ConcurrentHashMap.newKeySet();
    /** Trials whose training diverges after their first report. */
    final Set<String> diverge = ConcurrentHashMap.newKeySet();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    private final Function<Map<String, Object>, double[]> curve;
    private final long millisPerReport;
    private final Path journal;

    /**
     * @param journal if not null, every start is appended to this file (survives a killed JVM)
     */
    ScriptedTrials(Function<Map<String, Object>, double[]> curve, long millisPerReport, Path journal) {
        this.curve = curve;
        this.millisPerReport = millisPerReport;
        this.journal = journal;
    }

    @Override
    public Result run(Request request, Listener listener) throws InterruptedException {
        started.add(request.trialName());
        requests.add(request);
        if (journal != null) {
            try {
                Files.writeString(journal, request.trialName() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            listener.started(ProcessHandle.current().pid());
            double[] values = curve.apply(request.overrides());
            for (int i = 0; i < values.length; i++) {
                listener.metric("train/loss", values[i] + 1, (i + 1) * 100L);
                if (!listener.metric("val/loss", values[i], (i + 1) * 100L)) {
                    return new Result(TrialStatus.KILLED, null);
                }
                if (diverge.contains(request.trialName())) {
                    return new Result(TrialStatus.DIVERGED, "scripted divergence");
                }
                Thread.sleep(millisPerReport);
            }
            if (crashOnce.remove(request.trialName())) {
                return new Result(TrialStatus.CRASHED, "scripted crash");
            }
            return Result.finished();
        } finally {
            running.decrementAndGet();
        }
    }

    /** A loss curve that decays towards a floor set by the learning rate's distance from 1e-3. */
    static double[] lrCurve(Map<String, Object> p, int evals) {
        double lr = ((Number) p.get("train.lr")).doubleValue();
        double floor = 1.0 + Math.pow(Math.log10(lr) + 3, 2);
        double[] v = new double[evals];
        for (int i = 0; i < evals; i++) {
            v[i] = floor + 2.0 / (i + 1);
        }
        return v;
    }
}
