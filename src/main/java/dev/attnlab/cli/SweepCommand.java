package dev.attnlab.cli;

import dev.attnlab.pipeline.ConsoleProgress;
import dev.attnlab.pipeline.FileRunLog;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.TrackingSpec;
import dev.attnlab.sweep.MlflowSweepTracker;
import dev.attnlab.sweep.ProcessTrialRunner;
import dev.attnlab.sweep.SweepExecutor;
import dev.attnlab.sweep.SweepOverrides;
import dev.attnlab.sweep.SweepSpec;
import dev.attnlab.sweep.SweepSpecException;
import dev.attnlab.sweep.SweepSpecLoader;
import dev.attnlab.sweep.SweepState;
import dev.attnlab.sweep.SweepStore;
import dev.attnlab.sweep.SweepTracker;
import dev.attnlab.sweep.TrialRunner;
import dev.attnlab.sweep.TrialSpecs;
import dev.attnlab.sweep.TrialStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code attnlab sweep SPEC}: runs (or continues) a hyperparameter sweep. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run or continue a hyperparameter sweep (grid, random or Bayesian search, optional hyperband",
                "early termination) over a base experiment: each trial is its own 'attnlab run' process and an",
                "MLflow child run of one parent run. Rerunning a sweep continues it: finished trials are kept,",
                "crashed ones run again. State, trial table and the best trial's spec: runs/sweeps/NAME/."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every trial finished (or was stopped by hyperband)", "1:some trials crashed; rerun to retry them",
                "2:invalid sweep spec or options", "130:interrupted; rerun to continue"})
public final class SweepCommand implements Callable<Integer> {

    @ParentCommand
    private Main parent;

    @Parameters(index = "0", paramLabel = "SPEC",
            description = "The sweep spec: a file, or a NAME in experiments/sweeps/NAME.yaml.")
    String spec;

    @Option(names = "--resume", description = "Continue an existing sweep; fail if it has no state yet.")
    boolean resume;

    @Option(names = "--count", paramLabel = "N", description = "Total number of trials (overrides the spec's count).")
    Integer count;

    @Option(names = "--parallel", paramLabel = "N", description = "Trials at a time (overrides the spec's parallel).")
    Integer parallel;

    @Option(names = "--name", paramLabel = "NAME", description = "Run under another sweep name (its own folder and parent run).")
    String name;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Fix an experiment key for every trial, e.g. --set train.steps=50 (part of the sweep's identity). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--project-dir", paramLabel = "DIR",
            description = "Project directory (runs/, the stage cache). Default: found from the spec's location.")
    Path projectDir;

    @Option(names = "--no-tracking", description = "No MLflow parent run (trials still follow their spec's tracking).")
    boolean noTracking;

    /** Starts the trials; tests replace it. */
    TrialRunner trialRunner = new ProcessTrialRunner(ProcessTrialRunner.currentJvm());

    @Override
    public Integer call() {
        CliContext ctx = parent.context();
        PrintStream err = ctx.err();
        try {
            if ((count != null && count < 1) || (parallel != null && parallel < 1)) {
                throw new SweepSpecException(List.of("--count and --parallel take a whole number ≥ 1"));
            }
            Path file = resolve(spec, projectDir != null ? projectDir : ctx.projectDir());
            SweepSpec sweep = SweepSpecLoader.load(file)
                    .withOverrides(count == null ? 0 : count, parallel == null ? 0 : parallel);
            if (name != null) {
                sweep = sweep.withName(name);
            }
            Map<String, Object> fixed = new LinkedHashMap<>(SweepOverrides.parse(sets, sweep));
            ExperimentSpec base = TrialSpecs.check(sweep, fixed);
            String experiment = base.tracking().experiment().isBlank() ? base.name() : base.tracking().experiment();
            fixed.put("tracking.experiment", experiment);
            ProjectLayout layout = ctx.layout(projectDir, sweep.experiment());
            SweepStore store = new SweepStore(layout.runsDir().resolve("sweeps").resolve(sweep.name()));
            Files.createDirectories(store.dir());
            try (FileRunLog log = new FileRunLog(store.dir().resolve("sweep.log"), err)) {
                SweepTracker tracker = noTracking || base.tracking().backend() == TrackingSpec.Backend.NONE ? SweepTracker.NONE
                        : MlflowSweepTracker.fromEnvironment(experiment, System.getenv(), log);
                SweepExecutor executor = new SweepExecutor(sweep, store, trialRunner, tracker, fixed,
                        Runtime.getRuntime().availableProcessors(), layout.root(),
                        new ConsoleProgress(err, ctx.terminal(), System::nanoTime), log);
                return run(executor, store, log);
            }
        } catch (SweepSpecException e) {
            err.println("error: " + (e.problems().size() == 1 ? "1 problem" : e.problems().size() + " problems") + " in the sweep:");
            e.problems().forEach(p -> err.println("  " + p));
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("error: sweep " + spec + ": " + e.getMessage());
            return Main.EXIT_FAILED;
        }
    }

    private int run(SweepExecutor executor, SweepStore store, FileRunLog log) throws SweepSpecException {
        CountDownLatch done = new CountDownLatch(1);
        // Ctrl-C / SIGTERM: stop claiming, end the trial processes, let the workers record them as crashed
        Thread hook = new Thread(() -> {
            executor.stop();
            ProcessHandle.current().children().forEach(ProcessHandle::destroy);
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "sweep-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        SweepState state;
        try {
            state = executor.run(resume);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_INTERRUPTED;
        } finally {
            done.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return Main.EXIT_INTERRUPTED;
        }
        long diverged = state.trials.stream().filter(t -> t.status == TrialStatus.DIVERGED).count();
        if (diverged > 0) {
            log.info(diverged + " trial(s) diverged (training loss NaN or infinite): the search counts them as its worst"
                    + " results and a resume keeps them; see " + store.dir().resolve("trials.md"));
        }
        long crashed = state.trials.stream().filter(t -> t.status == TrialStatus.CRASHED).count();
        if (crashed > 0) {
            log.warn(crashed + " trial(s) crashed: see the note column of " + store.dir().resolve("trials.md")
                    + " and each trial's log.txt; run the sweep again to retry them");
            return Main.EXIT_FAILED;
        }
        return 0;
    }

    /** A path as given, else {@code experiments/sweeps/NAME.yaml} in the project. */
    static Path resolve(String arg, Path projectDir) throws SweepSpecException {
        Path given = Path.of(arg);
        if (Files.isRegularFile(given)) {
            return given;
        }
        Path sweeps = (projectDir != null ? projectDir : Path.of("")).resolve("experiments").resolve("sweeps");
        Path named = sweeps.resolve(arg.endsWith(".yaml") ? arg : arg + ".yaml");
        if (!arg.contains("/") && Files.isRegularFile(named)) {
            return named;
        }
        throw new SweepSpecException(List.of("sweep spec not found: " + arg + " (give a file path, or the name of a sweep in "
                + sweeps.toAbsolutePath().normalize() + ")"));
    }
}
