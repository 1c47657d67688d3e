package dev.attnlab.cli;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.sweep.BaseExperiment;
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
import dev.attnlab.sweep.TrialStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
        description = {"Runs a hyperparameter sweep (grid, random or Bayesian search, optional hyperband early",
                "termination) over a base experiment, each trial as its own 'attnlab run' process, tracked as",
                "MLflow child runs of one parent run. Rerunning a sweep continues it: finished trials are kept,",
                "crashed ones run again. State, trial table and the best trial's spec: runs/sweeps/NAME/."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every trial finished (or was stopped by hyperband)", "1:some trials crashed; rerun to retry them",
                "2:invalid sweep spec or options", "130:interrupted; rerun to continue"})
public final class SweepCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SPEC",
            description = "The sweep spec: a file, or a NAME in experiments/sweeps/NAME.yaml.")
    String spec;

    @Option(names = "--resume", description = "Continue an existing sweep; fail if it has no state yet.")
    boolean resume;

    @Option(names = "--count", paramLabel = "N", description = "Total number of trials (overrides the spec's count).")
    int count;

    @Option(names = "--parallel", paramLabel = "N", description = "Trials at a time (overrides the spec's parallel).")
    int parallel;

    @Option(names = "--name", paramLabel = "NAME", description = "Run under another sweep name (its own folder and parent run).")
    String name;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Fixes an experiment key for every trial, e.g. --set train.steps=50 (part of the sweep's identity).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--runs-dir", paramLabel = "DIR", description = "Where sweep folders go (default: ${DEFAULT-VALUE}).")
    Path runsDir = Path.of("runs", "sweeps");

    @Option(names = "--no-tracking", description = "No MLflow parent run (trials still follow their spec's tracking).")
    boolean noTracking;

    /** Starts the trials; tests replace it. */
    TrialRunner trialRunner = new ProcessTrialRunner(ProcessTrialRunner.currentJvm());

    @Override
    public Integer call() {
        RunLog log = RunLog.STDERR;
        try {
            SweepSpec sweep = SweepSpecLoader.load(resolve(spec)).withOverrides(Math.max(0, count), Math.max(0, parallel));
            if (count < 0 || parallel < 0) {
                throw new SweepSpecException(List.of("--count and --parallel take a number ≥ 1"));
            }
            if (name != null) {
                sweep = sweep.withName(name);
            }
            BaseExperiment base = BaseExperiment.read(sweep.experiment());
            Map<String, Object> fixed = new LinkedHashMap<>(SweepOverrides.parse(sets, sweep));
            fixed.put("tracking.experiment", base.trackingExperiment());
            SweepTracker tracker = noTracking || base.trackingBackend().equals("none") ? SweepTracker.NONE
                    : MlflowSweepTracker.fromEnvironment(base.trackingExperiment(), System.getenv(), log);
            SweepExecutor executor = new SweepExecutor(sweep, new SweepStore(runsDir.resolve(sweep.name())), trialRunner,
                    tracker, fixed, Runtime.getRuntime().availableProcessors(), Progress.NONE, log);
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                executor.stop();
                ProcessHandle.current().children().forEach(ProcessHandle::destroy);
                try {
                    done.await(30, TimeUnit.SECONDS); // let the workers record how their trials ended
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "sweep-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            SweepState state;
            try {
                state = executor.run(resume);
            } finally {
                done.countDown();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return 130;
            }
            long crashed = state.trials.stream().filter(t -> t.status == TrialStatus.CRASHED).count();
            if (crashed > 0) {
                log.warn(crashed + " trial(s) crashed (see the 'message' column of " + runsDir.resolve(sweep.name()).resolve("trials.md")
                        + " and each trial's log.txt); run the sweep again to retry them");
                return 1;
            }
            return 0;
        } catch (SweepSpecException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (RuntimeException e) {
            System.err.println("error: sweep " + spec + ": " + e.getMessage());
            return 1;
        }
    }

    /** A path as given, else {@code experiments/sweeps/NAME.yaml}. */
    static Path resolve(String spec) {
        Path given = Path.of(spec);
        if (Files.exists(given)) {
            return given;
        }
        Path named = Path.of("experiments", "sweeps", spec.endsWith(".yaml") ? spec : spec + ".yaml");
        return Files.exists(named) ? named : given;
    }
}
