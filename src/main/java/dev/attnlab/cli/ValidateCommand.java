package dev.attnlab.cli;

import dev.attnlab.pipeline.PipelineDefinition;
import dev.attnlab.pipeline.PipelineLoader;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check specs (and their pipelines) without running anything.",
                "Every problem is reported with file:line:column; exit code 2 if any spec is invalid."})
final class ValidateCommand implements Callable<Integer> {

    @ParentCommand
    private Main parent;

    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Spec files or names in experiments/.")
    private List<String> specs;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key in every spec (as for run).")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--project-dir", paramLabel = "DIR", description = "Project directory (default: found from each spec).")
    private Path projectDir;

    @Override
    public Integer call() {
        CliContext ctx = parent.context();
        StageRegistry registry = ctx.stages().get();
        int invalid = 0;
        for (String arg : specs) {
            try {
                Path file = SpecArgument.resolve(arg, projectDir != null ? projectDir : ctx.projectDir());
                ExperimentSpec spec = SpecLoader.load(file, sets);
                ProjectLayout layout = ctx.layout(projectDir, file);
                PipelineDefinition pipeline = PipelineLoader.load(layout.pipelinesDir(), spec.pipeline());
                List<String> missing = pipeline.stageNames().stream().filter(s -> registry.get(s).isEmpty()).toList();
                ctx.out().println("ok       " + file + "  (" + spec.name() + "; pipeline " + pipeline.name() + ": "
                        + String.join(" -> ", pipeline.stageNames()) + ")"
                        + (missing.isEmpty() ? "" : "\n         note: not available in this build: "
                        + String.join(", ", missing)));
            } catch (SpecException e) {
                invalid++;
                ctx.out().println("invalid  " + arg);
                e.problems().forEach(p -> ctx.out().println("  " + p));
            } catch (UserError e) {
                invalid++;
                ctx.out().println("invalid  " + arg + ": " + e.getMessage());
            }
        }
        return invalid == 0 ? 0 : Main.EXIT_USAGE;
    }
}
