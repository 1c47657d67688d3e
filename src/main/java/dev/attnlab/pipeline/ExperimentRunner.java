package dev.attnlab.pipeline;

import dev.attnlab.io.Directories;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecProblem;
import dev.attnlab.tracking.RecordingTracker;
import dev.attnlab.tracking.Tracker;
import dev.attnlab.tracking.TrackingMeters;
import dev.attnlab.tracking.TrackerBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs an experiment: plans the pipeline, creates the run directory, then for each stage either
 * replays a verified cache entry or runs the stage into a temporary directory and publishes it to
 * the cache. Everything the stages log goes to the run directory and, when configured, to a remote
 * tracking backend.
 *
 * <p>Run directory {@code runs/<spec name>/<UTC timestamp>/}: {@code spec.yaml} (resolved),
 * {@code spec.json} (the canonical tree), {@code source/} (the spec file and what it extends),
 * {@code manifest.json} (stage keys, cache hits, timings, status; rewritten as each stage starts and ends),
 * {@code run.log}, and the run-directory tracker's {@code params.json}, {@code tags.json},
 * {@code metrics.jsonl}, {@code artifacts/}.
 */
public final class ExperimentRunner {

    public static final String MANIFEST = RunDirectory.MANIFEST;

    private final StageRegistry registry;
    private final ProjectLayout layout;
    private final List<TrackerBackend> backends;

    public ExperimentRunner(StageRegistry registry, ProjectLayout layout, List<TrackerBackend> backends) {
        this.registry = registry;
        this.layout = layout;
        this.backends = List.copyOf(backends);
    }

    public ProjectLayout layout() { return layout; }

    /** Loads and checks the spec's pipeline and computes the keys; no side effects. */
    public RunPlan plan(ExperimentSpec spec, String until) {
        return plan(spec, until, initFromReferences(spec));
    }

    private RunPlan plan(ExperimentSpec spec, String until, RunPlan.InitFromResolver initFrom) {
        PipelineDefinition pipeline = PipelineLoader.load(layout.pipelinesDir(), spec.pipeline());
        return RunPlan.of(spec, pipeline, registry, until, initFrom);
    }

    private InitFromReferences initFromReferences(ExperimentSpec spec) {
        Set<Path> self = spec.file() == null ? Set.of() : Set.of(spec.file().toAbsolutePath().normalize());
        return new InitFromReferences(layout, spec, self, (other, resolver) -> plan(other, null, resolver));
    }

    /**
     * Runs {@code spec}. Configuration problems (pipeline, --force/--until names, stages without an
     * implementation) are thrown before anything is written; once the run directory exists, the
     * outcome — including a failing stage — is returned.
     */
    public RunResult run(ExperimentSpec spec, RunOptions options) {
        InitFromReferences initFrom = initFromReferences(spec);
        RunPlan plan = plan(spec, options.until(), initFrom);
        if (!plan.missing().isEmpty()) {
            String first = plan.missing().get(0);
            throw new StageUnavailableException("stage '" + first + "' of pipeline " + plan.pipeline().name()
                    + " is not available in this build: no class listed in " + StageRegistry.SERVICE_FILE
                    + " is named '" + first + "' (available: "
                    + (registry.names().isEmpty() ? "none" : String.join(", ", registry.names())) + ")."
                    + plan.longestAvailablePrefix().map(s -> " Run the stages before it with --until " + s + ".")
                    .orElse(""));
        }
        for (String f : options.force()) {
            if (!plan.pipeline().stageNames().contains(f)) {
                throw new SpecException(List.of(new SpecProblem("--force " + f, "", "no stage '" + f
                        + "' in pipeline " + plan.pipeline().name() + " (stages: "
                        + String.join(", ", plan.pipeline().stageNames()) + ")")));
            }
        }
        Set<String> forced = RunPlan.downstream(plan.pipeline(), options.force());
        Optional<RunResult> failedFirst = runInitFromSpecsFirst(plan, initFrom, options);
        if (failedFirst.isPresent()) {
            return failedFirst.get();
        }
        RunDirectory runDir = RunDirectory.create(layout.runsDir(), spec, plan, options, forced);
        return new Execution(spec, plan, forced, options, runDir).run();
    }

    /**
     * A stage whose {@code init_from} names a spec that has not produced that stage yet: run that spec
     * up to the stage first, as a run of its own (the notebook's "train 10 epochs, then 15 more" in
     * one command). Returns its result when it did not complete.
     */
    private Optional<RunResult> runInitFromSpecsFirst(RunPlan plan, InitFromReferences initFrom, RunOptions options) {
        StageCache cache = new StageCache(layout.cacheDir(), RunLog.STDERR);
        for (RunPlan.Planned p : plan.planned().values()) {
            String key = p.material().inputs().get(Stage.INIT_FROM);
            Optional<ExperimentSpec> source = key == null ? Optional.empty() : initFrom.specOf(key);
            if (source.isEmpty() || cache.looksCached(p.stage().name(), key)) {
                continue;
            }
            if (options.console() != null) {
                options.console().println(p.stage().name() + ".init_from: " + source.get().name() + " has no cached "
                        + p.stage().name() + " stage yet; running it first (--until " + p.stage().name() + ")");
            }
            RunResult first = run(source.get(), options.withUntil(p.stage().name()).withForce(Set.of()).withOverrides(List.of()));
            if (first.status() != RunResult.Status.COMPLETED) {
                return Optional.of(first);
            }
        }
        return Optional.empty();
    }

    /** One run in progress; the shutdown hook and the main thread share its end-of-run bookkeeping. */
    private final class Execution {
        private final ExperimentSpec spec;
        private final RunPlan plan;
        private final Set<String> forced;
        private final RunOptions options;
        private final RunDirectory runDir;
        private final List<RunResult.StageOutcome> outcomes = new ArrayList<>();
        private FileRunLog log;
        /** Set as soon as it is opened: the shutdown hook closes it (a remote run already exists). */
        private volatile Tracker tracker;
        private String runningStage;
        private boolean finished;
        private final StopSignal stop = new StopSignal();
        private final CountDownLatch ended = new CountDownLatch(1);

        Execution(ExperimentSpec spec, RunPlan plan, Set<String> forced, RunOptions options, RunDirectory runDir) {
            this.spec = spec;
            this.plan = plan;
            this.forced = forced;
            this.options = options;
            this.runDir = runDir;
        }

        RunResult run() {
            Thread hook = new Thread(this::onShutdown, "attnlab-run-shutdown");
            try {
                log = new FileRunLog(runDir.path().resolve(RunDirectory.LOG), options.console());
            } catch (IOException e) {
                runDir.release();
                throw new UncheckedIOException("cannot create " + runDir.path().resolve(RunDirectory.LOG), e);
            }
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return execute();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // the JVM is already shutting down; the hook does the bookkeeping
                }
            }
        }

        private RunResult execute() {
            StageCache stageCache = new StageCache(layout.cacheDir(), log);
            Map<String, Path> outputs = new HashMap<>();
            try {
                log.info("run " + spec.name() + " -> " + layout.root().relativize(runDir.path())
                        + " (pipeline " + plan.pipeline().name() + ", cache " + layout.cacheDir() + ")");
                stageCache.removeOrphans();
                RunDirectory.closeAbandoned(runDir.path(), log);
                runDir.writeSpec();
                tracker = RunTrackers.open(spec, plan, options, runDir, layout.root(), backends, log);
                RunTrackers.logSpec(tracker, spec, runDir);
                writeManifest("running", null);
                for (PipelineDefinition.StageNode node : plan.stages()) {
                    if (stop.requested()) {
                        // the stop came as a stage that was asked to stop finished anyway (its last step): start no other
                        return finish(RunResult.Status.INTERRUPTED, "interrupted before stage '" + node.name() + "'", null);
                    }
                    runStage(stageCache, node, outputs);
                }
                return finish(RunResult.Status.COMPLETED, null, null);
            } catch (StageFailure f) {
                Throwable cause = f.getCause();
                boolean interrupted = cause instanceof InterruptedException || Thread.currentThread().isInterrupted();
                String message = "stage '" + f.stage + "' " + (interrupted ? "was interrupted" : "failed") + ": "
                        + describe(cause) + ". Full trace: " + runDir.path().resolve(RunDirectory.LOG);
                return finish(interrupted ? RunResult.Status.INTERRUPTED : RunResult.Status.FAILED, message, cause);
            } catch (IOException | RuntimeException e) {
                String message = "run failed: " + describe(e) + ". Full trace: " + runDir.path().resolve(RunDirectory.LOG);
                return finish(RunResult.Status.FAILED, message, e);
            }
        }

        private void runStage(StageCache stageCache, PipelineDefinition.StageNode node, Map<String, Path> outputs) {
            RunPlan.Planned planned = plan.planned().get(node.name());
            Stage<?> stage = planned.stage();
            String key = planned.key();
            Map<String, Path> inputs = new LinkedHashMap<>();
            node.inputs().forEach(in -> inputs.put(in, outputs.get(in)));
            long t0 = System.nanoTime();
            String cacheState;
            String reason = null;
            Path outputDir;
            synchronized (this) {
                runningStage = node.name();
            }
            writeManifest("running", null); // the stage shows as running (show; a later run marks it killed if this process dies)
            try (AutoCloseable lock = stageCache.lock(node.name(), key)) {
                Optional<StageCache.Entry> hit = forced.contains(node.name()) ? Optional.empty()
                        : stageCache.lookup(node.name(), key);
                if (hit.isPresent()) {
                    hit.get().record().replay(tracker, hit.get().outputDir());
                    cacheState = "hit";
                    outputDir = hit.get().outputDir();
                } else {
                    reason = RerunReason.of(planned.material(), forced.contains(node.name()),
                            runDir.earlierKey(node.name()), stageCache);
                    log.info("stage " + node.name() + ": running (" + reason + ") [key " + key.substring(0, 12) + "]");
                    initFromInput(stageCache, planned).ifPresent(dir -> inputs.put(Stage.INIT_FROM, dir));
                    StageCache.Pending pending = stageCache.begin(planned.material());
                    RecordingTracker recorder = new RecordingTracker(tracker, pending.outputDir(), log);
                    Path stateDir = Files.createDirectories(stageCache.stateDir(node.name(), key));
                    List<String> earlier = stageCache.recordAttempt(node.name(), key, runLabel());
                    if (!earlier.isEmpty()) {
                        // a resumed attempt is a new MLflow run: this tag links it to the run(s) it continues
                        tracker.setTag("stage." + node.name() + ".continues", String.join(", ", earlier));
                        log.info("stage " + node.name() + ": continues the state left by " + String.join(", ", earlier));
                    }
                    StageContext ctx = new StageContext(key, Map.copyOf(inputs), pending.outputDir(), recorder,
                            options.progress(), FileRunLog.prefixed(log, node.name()), stateDir, stop);
                    try {
                        runWithParams(stage, planned.params(), ctx);
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedException("interrupted");
                        }
                        tracker.flush(); // remote trackers read artifact files before they move into the cache
                        outputDir = pending.commit(recorder.record(), forced.contains(node.name())).outputDir();
                        Directories.deleteTree(stateDir); // published: nothing left to resume
                    } catch (Throwable t) {
                        pending.abandon();
                        throw t;
                    }
                    cacheState = "miss";
                }
            } catch (Throwable t) {
                // the stage's own errors and failures to publish its entry are both reported as the stage's
                throw new StageFailure(node.name(), t);
            }
            long nanos = System.nanoTime() - t0;
            double seconds = nanos / 1e9;
            TrackingMeters.stageTimer(node.name()).record(nanos, TimeUnit.NANOSECONDS);
            outputs.put(node.name(), outputDir);
            synchronized (this) {
                runningStage = null;
                outcomes.add(new RunResult.StageOutcome(node.name(), stage.version(), key, cacheState, reason, seconds,
                        outputDir));
            }
            tracker.setTag("stage." + node.name() + ".cache", cacheState);
            tracker.setTag("stage." + node.name() + ".key", key);
            tracker.flush();
            log.info(String.format(Locale.ROOT, "stage %-10s %s in %.2f s", node.name(),
                    cacheState.equals("hit") ? "cached" : "done  ", seconds));
            writeManifest("running", null);
        }

        /** The published entry the stage's {@code init_from} names; an error when it is not in the cache. */
        private Optional<Path> initFromInput(StageCache stageCache, RunPlan.Planned planned) {
            String key = planned.material().inputs().get(Stage.INIT_FROM);
            if (key == null) {
                return Optional.empty();
            }
            String stage = planned.stage().name();
            Optional<StageCache.Entry> entry = stageCache.lookup(stage, key);
            if (entry.isEmpty()) {
                throw new IllegalStateException(stage + ".init_from: no cached " + stage + " stage with key "
                        + key.substring(0, 12) + " (the run it names did not finish that stage, or its cache entry "
                        + "was removed); run that experiment's " + stage + " stage first");
            }
            tracker.setTag("stage." + stage + ".init_from", key);
            return Optional.of(entry.get().outputDir());
        }

        /** The run directory as tagged ({@code run.dir}): relative to the project when inside it. */
        private String runLabel() {
            return RunTrackers.runDirLabel(layout.root(), runDir.path());
        }

        /** Ends the run once: its error (if any) goes to the run log here, with the trace for the file only. */
        private synchronized RunResult finish(RunResult.Status status, String error, Throwable cause) {
            if (!finished) {
                if (error != null) {
                    log.error(error, cause);
                }
                writeManifest(status.name().toLowerCase(Locale.ROOT), error);
                finished = true; // from here on a still-running main thread cannot overwrite the outcome
                if (tracker != null) {
                    tracker.setTag("run.status", status.name().toLowerCase(Locale.ROOT));
                    try {
                        tracker.close();
                    } catch (RuntimeException e) {
                        log.warn("closing the tracker failed: " + describe(e));
                    }
                }
                if (status == RunResult.Status.COMPLETED) {
                    log.info("run complete: " + runDir.path());
                }
                log.close();
                runDir.release();
                ended.countDown();
            }
            return new RunResult(runDir.path(), status, List.copyOf(outcomes), error);
        }

        /**
         * Ctrl-C or a kill: a stage that can stop cleanly is asked to and given {@link #STOP_GRACE} to
         * return (the run then ends through the main thread, with what the stage logged on its way
         * out); otherwise, or after that, record what happened and flush the trackers here. The
         * stage's temp dir is cleaned later.
         */
        private void onShutdown() {
            if (options.stopStagesOnSignal() && stop.request()) {
                try {
                    if (!ended.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                        log.warn("the stage did not stop within " + STOP_GRACE.toSeconds() + " s; ending the run now");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String stage;
            synchronized (this) {
                stage = runningStage;
            }
            finish(RunResult.Status.INTERRUPTED, stage == null ? "interrupted" : "interrupted during stage '" + stage + "'", null);
        }

        private synchronized void writeManifest(String status, String error) {
            if (finished) {
                return;
            }
            try {
                runDir.writeManifest(status, error, outcomes, runningStage);
            } catch (IOException e) {
                log.warn("cannot write " + runDir.path().resolve(RunDirectory.MANIFEST) + ": " + e.getMessage());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <P extends Record> void runWithParams(Stage<P> stage, Record params, StageContext ctx) throws Exception {
        stage.run((P) params, ctx); // params came from this stage's own params(spec)
    }

    /** How long an exiting JVM waits for a stage that registered a {@link StopSignal} handler. */
    static final Duration STOP_GRACE = Duration.ofSeconds(60);

    /** A stage threw; carries the stage name to the run's error message. */
    private static final class StageFailure extends RuntimeException {
        final String stage;

        StageFailure(String stage, Throwable cause) {
            super(cause);
            this.stage = stage;
        }
    }

    /** The exception's own message, or its type when it has none (a bug rather than a user error). */
    public static String describe(Throwable t) {
        Throwable cause = t.getCause();
        if (cause != null && (t.getMessage() == null || t.getMessage().equals(cause.toString()))) {
            return describe(cause); // a wrapper (UncheckedIOException, ExecutionException...) adds nothing
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
