package dev.attnlab.cli;

import dev.attnlab.pipeline.ConsoleProgress;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.pipeline.RunOptions;
import dev.attnlab.pipeline.RunResult;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecLoader;
import dev.attnlab.sweep.TrialEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run an experiment spec through its pipeline.",
                "Stages whose inputs are unchanged come from the cache; the run directory is "
                        + "runs/<name>/<UTC timestamp>/."})
final class RunCommand implements Callable<Integer> {

    @ParentCommand
    private Main parent;

    @Parameters(index = "0", paramLabel = "SPEC", description = "Spec file, or a name in experiments/ (e.g. induction-2l).")
    private String spec;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a key, value in YAML syntax: --set train.lr=3e-4, --set interpret.prompts=[a,b]. Repeatable.")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--force", paramLabel = "STAGE", description = "Recompute STAGE and the stages after it. Repeatable.")
    private List<String> force = new ArrayList<>();

    @Option(names = "--until", paramLabel = "STAGE", description = "Stop after STAGE (runs it and the stages it needs).")
    private String until;

    @Option(names = "--project-dir", paramLabel = "DIR",
            description = "Project directory (pipelines/, runs/, .attnlab/cache). Default: found from the spec's location.")
    private Path projectDir;

    @Override
    public Integer call() {
        CliContext ctx = parent.context();
        Path file = SpecArgument.resolve(spec, projectDir != null ? projectDir : ctx.projectDir());
        ExperimentSpec loaded = SpecLoader.load(file, sets);
        ProjectLayout layout = ctx.layout(projectDir, file);
        RunOptions options = RunOptions.defaults()
                .withForce(new LinkedHashSet<>(force))
                .withUntil(until)
                .withOverrides(List.copyOf(sets))
                // as a sweep trial: the sweep's run tags (mlflow.parentRunId, ...) and its metric report
                .withExtraTags(TrialEnvironment.runTags(System.getenv()))
                .withObservers(TrialEnvironment.metricReport(System.getenv()).map(List::of).orElse(List.of()))
                // a sweep ends a trial with SIGTERM only for good (hyperband): a checkpoint at that step
                // would never be resumed and only fill the cache
                .withStopStagesOnSignal(TrialEnvironment.metricReport(System.getenv()).isEmpty())
                .withConsole(ctx.err(), new ConsoleProgress(ctx.err(), ctx.terminal(), System::nanoTime));
        RunResult result = ctx.runner(layout).run(loaded, options);
        ctx.out().println();
        for (RunResult.StageOutcome s : result.stages()) {
            ctx.out().printf(Locale.ROOT, "  %-10s %-6s %8.2f s  %s%n", s.name(),
                    s.cache().equals("hit") ? "cached" : "ran", s.seconds(), s.key().substring(0, 12));
        }
        // the run's error, if any, is already on stderr from the run log
        ctx.out().println(result.status().name().toLowerCase(Locale.ROOT) + ": " + result.runDir());
        return switch (result.status()) {
            case COMPLETED -> 0;
            case INTERRUPTED -> Main.EXIT_INTERRUPTED;
            case FAILED -> Main.EXIT_FAILED;
        };
    }
}
