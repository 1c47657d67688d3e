package dev.attnlab.sweep;

import dev.attnlab.io.Hashing;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a sweep: {@code parallel} workers each claim the next trial in the sweep state (an existing
 * pending one, else a newly sampled one), run it, and record how it ended. Claims, rung records
 * and results all go through {@link SweepStore} transactions, so workers — also in other sweep
 * processes on the same folder — never run the same trial twice, and a sweep stopped at any point
 * continues where it was: finished, killed and diverged trials are kept, crashed ones and ones whose sweep
 * process died are run again.
 */
public final class SweepExecutor {

    private final SweepSpec spec;
    private final SweepStore store;
    private final TrialRunner runner;
    private final SweepTracker tracker;
    private final Map<String, Object> fixedOverrides;
    private final int cores;
    private final Path projectDir;
    private final Progress progress;
    private final RunLog log;
    private final Sampler sampler;
    private final Optional<HyperbandPruner> pruner;
    private final String self = SweepStore.self();
    private final AtomicBoolean stopping = new AtomicBoolean();

    public SweepExecutor(SweepSpec spec, SweepStore store, TrialRunner runner, SweepTracker tracker,
                         Map<String, Object> fixedOverrides, int cores, Progress progress, RunLog log) {
        this(spec, store, runner, tracker, fixedOverrides, cores, null, progress, log);
    }

    /**
     * @param fixedOverrides spec overrides every trial gets (e.g. {@code tracking.experiment})
     * @param cores          the cores to share among parallel trials
     * @param projectDir     the project the trials run in; null = found from the base experiment's location
     */
    public SweepExecutor(SweepSpec spec, SweepStore store, TrialRunner runner, SweepTracker tracker,
                         Map<String, Object> fixedOverrides, int cores, Path projectDir, Progress progress, RunLog log) {
        this.spec = spec;
        this.store = store;
        this.runner = runner;
        this.tracker = tracker;
        this.fixedOverrides = Map.copyOf(fixedOverrides);
        this.cores = Math.max(1, cores);
        this.projectDir = projectDir;
        this.progress = progress;
        this.log = log;
        this.sampler = Sampler.of(spec);
        this.pruner = spec.earlyTerminate().map(h -> new HyperbandPruner(h, spec.metric()));
    }

    /** ND4J/OpenMP threads per trial: the cores shared evenly among parallel trials, at least one. */
    public static int threadsPerTrial(int cores, int parallel) {
        return Math.max(1, cores / Math.max(1, parallel));
    }

    /** Asks the workers to stop claiming trials and the running trials to end (Ctrl-C). */
    public void stop() {
        stopping.set(true);
    }

    /**
     * @param requireExisting fail unless the sweep already has state (the CLI's {@code --resume})
     * @return the final state
     */
    public SweepState run(boolean requireExisting) throws SweepSpecException, InterruptedException {
        String spaceHash = spaceHash(spec, fixedOverrides);
        List<String> problem = new ArrayList<>();
        SweepState state = store.transact(s -> {
            if (s == null) {
                if (requireExisting) {
                    problem.add(spec.file() + ": --resume: sweep '" + spec.name() + "' has no state in " + store.dir()
                            + " yet: run it without --resume to start it");
                    return null;
                }
                s = new SweepState();
                s.sweep = spec.name();
                s.sweepId = UUID.randomUUID().toString();
                s.spaceHash = spaceHash;
                s.createdAt = SweepStore.now();
                return s;
            }
            if (!spaceHash.equals(s.spaceHash)) {
                problem.add(spec.file() + ": the search space (experiment, method, metric, parameters, seed or --set) changed"
                        + " since sweep '" + spec.name() + "' started in " + store.dir()
                        + ": give the sweep a new 'name:', or move that folder away to start over");
                return null;
            }
            recover(s);
            return s;
        });
        if (!problem.isEmpty()) {
            throw new SweepSpecException(problem);
        }
        long done = state.trials.stream().filter(t -> t.status.kept()).count();
        log.info("sweep " + spec.name() + " (" + spec.method().name().toLowerCase(Locale.ROOT) + ", " + spec.count()
                + " trials, " + spec.parallel() + " at a time, " + threadsPerTrial(cores, spec.parallel())
                + " thread(s) each): " + done + " already ended, state in " + store.dir());
        openParent(state);

        int threads = threadsPerTrial(cores, spec.parallel());
        try (Progress.Task task = progress.start("sweep " + spec.name(), spec.count(), "trials")) {
            task.step(done);
            ExecutorService workers = Executors.newFixedThreadPool(spec.parallel(), r -> {
                Thread t = new Thread(r, "sweep-worker");
                t.setDaemon(true);
                return t;
            });
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < spec.parallel(); w++) {
                futures.add(workers.submit(() -> {
                    work(threads, task);
                    return null;
                }));
            }
            try {
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("sweep worker failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                stop();
                workers.shutdownNow();
                throw e;
            } finally {
                workers.shutdownNow();
            }
        }
        SweepState end = store.read().orElseThrow();
        boolean complete = end.trials.size() >= spec.count() && end.trials.stream()
                .filter(t -> t.index < spec.count())
                .allMatch(t -> t.status.kept());
        SweepReport.write(spec, end, store.dir(), tracker, log);
        tracker.close(complete && !stopping.get());
        return end;
    }

    private void openParent(SweepState state) {
        try {
            String parent = tracker.openParent(spec, state.sweepId, state.parentRunId);
            if (parent != null && !parent.equals(state.parentRunId)) {
                store.transact(s -> {
                    s.parentRunId = parent;
                    return s;
                });
                state.parentRunId = parent;
            }
        } catch (Exception e) {
            log.warn("sweep " + spec.name() + ": no MLflow parent run (" + e.getMessage()
                    + "); trials run and are recorded in " + store.dir() + " without one");
        }
    }

    /** Trials left running by a sweep process that is gone are crashed; crashed trials run again. */
    private void recover(SweepState s) {
        for (SweepState.Trial t : s.trials) {
            if (t.status == TrialStatus.RUNNING && !ownerAlive(t.owner)) {
                endOrphan(t);
                t.status = TrialStatus.CRASHED;
                t.message = "its sweep process (" + t.owner + ") ended while it ran";
                t.endedAt = SweepStore.now();
            }
            if (t.status == TrialStatus.CRASHED) {
                log.info("rerunning " + t.name + " (crashed: " + t.message + ")");
                t.status = TrialStatus.PENDING;
                t.owner = null;
                t.pid = null;
                t.pidStart = null;
                // rung records of the crashed attempt no longer describe a live trial
                s.rungs.values().forEach(r -> r.remove(t.name));
            }
        }
    }

    private void endOrphan(SweepState.Trial t) {
        if (t.pid != null && t.pidStart != null) {
            ProcessHandle.of(t.pid)
                    .filter(p -> p.info().startInstant().map(Object::toString).orElse("").equals(t.pidStart))
                    .ifPresent(p -> {
                log.warn("ending " + t.name + "'s process " + t.pid + ", left behind by a sweep process that died");
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
        }
    }

    /** Owners are {@code pid@host}; another host's owner is presumed alive (it may still be working). */
    private boolean ownerAlive(String owner) {
        if (owner == null) {
            return false;
        }
        int at = owner.indexOf('@');
        String host = owner.substring(at + 1);
        if (!self.substring(self.indexOf('@') + 1).equals(host)) {
            return true;
        }
        long pid = Long.parseLong(owner.substring(0, at));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private void work(int threads, Progress.Task task) throws InterruptedException {
        while (!stopping.get() && !Thread.currentThread().isInterrupted()) {
            SweepState.Trial trial = claim();
            if (trial == null) {
                return;
            }
            runTrial(trial, threads);
            SweepState now = store.read().orElseThrow();
            SweepState.Trial ended = now.trial(trial.name);
            tracker.trialEnded(spec, ended, now, tags(ended));
            task.step(1);
            SweepReport.best(spec, now).ifPresent(b -> task.status("best " + spec.metric().name() + " " + SweepReport.metricText(b.metric) + " (" + b.name + ")"));
            log.info(ended.name + " " + ended.status.json()
                    + (ended.metric == null ? "" : ", " + spec.metric().name() + " = " + SweepReport.metricText(ended.metric))
                    + (ended.message == null ? "" : ": " + ended.message));
        }
    }

    /** The next trial for this worker: the first pending one, else a newly sampled one, else null. */
    SweepState.Trial claim() {
        SweepState.Trial[] claimed = new SweepState.Trial[1];
        store.transact(s -> {
            SweepState.Trial next = s.trials.stream()
                    .filter(t -> t.status == TrialStatus.PENDING && t.index < spec.count())
                    .findFirst().orElse(null);
            if (next == null && s.trials.size() < spec.count()) {
                int index = s.trials.size();
                next = new SweepState.Trial(index, sampler.sample(index, observations(s)));
                s.trials.add(next);
            }
            if (next == null) {
                return null; // nothing to save
            }
            next.status = TrialStatus.RUNNING;
            next.owner = self;
            next.attempts++;
            next.startedAt = SweepStore.now();
            next.endedAt = null;
            next.message = null;
            next.metric = null;
            next.iterations = 0;
            claimed[0] = next;
            return s;
        });
        return claimed[0];
    }

    /** What the samplers learn from: trials that ended with a metric value, and diverged ones as the worst. */
    List<Sampler.Observation> observations(SweepState s) {
        List<Sampler.Observation> out = new ArrayList<>();
        for (SweepState.Trial t : s.trials) {
            if (t.status == TrialStatus.DIVERGED) {
                out.add(new Sampler.Observation(t.params, Double.POSITIVE_INFINITY, false));
            } else if ((t.status == TrialStatus.FINISHED || t.status == TrialStatus.KILLED) && t.metric != null) {
                out.add(new Sampler.Observation(t.params, spec.metric().goal().asLoss(t.metric),
                        t.status == TrialStatus.KILLED));
            }
        }
        return out;
    }

    private Map<String, String> tags(SweepState.Trial trial) {
        Map<String, String> tags = new LinkedHashMap<>();
        String parent = store.read().map(s -> s.parentRunId).orElse(null);
        if (parent != null) {
            tags.put("mlflow.parentRunId", parent);
        }
        String sweepId = store.read().map(s -> s.sweepId).orElse("");
        tags.put("attnlab.sweep", spec.name());
        tags.put(MlflowSweepTracker.SWEEP_ID_TAG, sweepId);
        tags.put("attnlab.trial", trial.name);
        tags.put("attnlab.trial_attempt", Integer.toString(trial.attempts));
        tags.put(MlflowSweepTracker.TRIAL_KEY_TAG, MlflowSweepTracker.trialKey(sweepId, trial.name, trial.attempts));
        return tags;
    }

    private void runTrial(SweepState.Trial trial, int threads) throws InterruptedException {
        Map<String, Object> overrides = new LinkedHashMap<>(fixedOverrides);
        overrides.putAll(trial.params);
        overrides.put("train.threads", threads);
        overrides.put("tracking.run_name", spec.name() + "-" + trial.name);
        TrialRunner.Request request = new TrialRunner.Request(spec.experiment(), trial.name, overrides, threads,
                tags(trial), store.dir().resolve("trials").resolve(trial.name).resolve("attempt-" + trial.attempts), projectDir);
        String[] stopReason = new String[1];
        TrialRunner.Listener listener = new TrialRunner.Listener() {
            @Override
            public void started(long pid) {
                String start = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Object::toString).orElse(null);
                update(trial, t -> {
                    t.pid = pid;
                    t.pidStart = start;
                });
            }

            @Override
            public boolean metric(String key, double value, long step) {
                if (!key.equals(spec.metric().name()) || !Double.isFinite(value)) {
                    return true;
                }
                stopReason[0] = report(trial, value);
                return stopReason[0] == null && !stopping.get();
            }
        };
        TrialRunner.Result result;
        try {
            result = stopping.get() ? new TrialRunner.Result(TrialStatus.CRASHED, "the sweep was stopped before it started")
                    : runner.run(request, listener);
        } catch (InterruptedException e) {
            finish(trial, new TrialRunner.Result(TrialStatus.CRASHED, "interrupted: the sweep was stopped"), null);
            throw e;
        } catch (RuntimeException e) {
            result = new TrialRunner.Result(TrialStatus.CRASHED, "could not run: " + e);
        }
        if (result.status() == TrialStatus.KILLED && stopReason[0] == null) {
            // killed because the sweep itself is stopping: not the trial's fault, rerun on resume
            result = new TrialRunner.Result(TrialStatus.CRASHED, "interrupted: the sweep was stopped");
        }
        finish(trial, result, stopReason[0]);
    }

    /** Records one metric report; returns why the trial must stop, or null. */
    private String report(SweepState.Trial trial, double value) {
        String[] reason = new String[1];
        store.transact(s -> {
            SweepState.Trial t = s.trial(trial.name);
            t.iterations++;
            t.metric = value;
            if (pruner.isPresent()) {
                Optional<Integer> rung = pruner.get().rungAt(t.iterations);
                if (rung.isPresent()) {
                    Map<String, Double> atRung = s.rungs.computeIfAbsent(rung.get(), k -> new LinkedHashMap<>());
                    List<Double> others = atRung.entrySet().stream()
                            .filter(e -> !e.getKey().equals(t.name)).map(Map.Entry::getValue).toList();
                    reason[0] = pruner.get().decide(rung.get(), t.iterations, value, others).orElse(null);
                    atRung.put(t.name, value);
                }
            }
            return s;
        });
        return reason[0];
    }

    private void finish(SweepState.Trial trial, TrialRunner.Result result, String stopReason) {
        update(trial, t -> {
            t.status = result.status();
            t.message = result.status() == TrialStatus.KILLED ? stopReason : result.message();
            if (t.status == TrialStatus.FINISHED && t.metric == null) {
                t.status = TrialStatus.CRASHED;
                t.message = "ended without logging the sweep's metric '" + spec.metric().name()
                        + "': check metric.name against the metrics the experiment logs";
            }
            t.endedAt = SweepStore.now();
            t.pid = null;
            t.pidStart = null;
        });
    }

    private void update(SweepState.Trial trial, java.util.function.Consumer<SweepState.Trial> change) {
        store.transact(s -> {
            change.accept(s.trial(trial.name));
            return s;
        });
    }

    /** Hash of what defines the trials: a changed hash means the saved trials belong to another sweep. */
    static String spaceHash(SweepSpec spec, Map<String, Object> fixedOverrides) {
        String canonical = String.join("\n", new java.util.TreeMap<>(fixedOverrides).toString(),
                spec.file().toAbsolutePath().getParent().relativize(spec.experiment()).toString(),
                spec.method().name(), spec.metric().toString(), spec.parameters().toString(),
                Long.toString(spec.seed()));
        return Hashing.sha256(canonical).substring(0, 24);
    }
}
