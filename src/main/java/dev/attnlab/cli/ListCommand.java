package dev.attnlab.cli;

import dev.attnlab.pipeline.PipelineDefinition;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.pipeline.RunPlan;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.StageCache;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecException;
import dev.attnlab.spec.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the experiments in experiments/ and, for each stage, whether the current spec's "
                + "outputs are cached.",
                "cached = a complete entry exists; partial = an interrupted attempt left state (train's checkpoints, "
                        + "which the next run resumes from with train.resume: latest); - = would run; "
                        + "n/a = stage not available in this build."})
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    private Main parent;

    @Option(names = "--project-dir", paramLabel = "DIR", description = "Project directory (default: found from the working directory).")
    private Path projectDir;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = parent.context();
        ProjectLayout layout = ctx.layout(projectDir, null);
        if (!Files.isDirectory(layout.experimentsDir())) {
            throw new UserError("no experiments/ directory in " + layout.root(), Main.EXIT_USAGE);
        }
        List<Path> specs;
        try (Stream<Path> files = Files.list(layout.experimentsDir())) {
            specs = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        StageCache cache = new StageCache(layout.cacheDir(), RunLog.STDERR);
        var runner = ctx.runner(layout);
        for (Path file : specs) {
            String label = layout.experimentsDir().relativize(file).toString();
            try {
                ExperimentSpec spec = SpecLoader.load(file);
                RunPlan plan = runner.plan(spec, null);
                StringBuilder row = new StringBuilder(String.format("%-28s", label));
                for (PipelineDefinition.StageNode s : plan.stages()) {
                    String key = plan.keys().get(s.name());
                    String state = plan.missing().contains(s.name()) || key == null ? "n/a"
                            : cache.looksCached(s.name(), key) ? "cached"
                            : cache.hasResumableState(s.name(), key) ? "partial" : "-";
                    row.append("  ").append(s.name()).append(':').append(state);
                }
                ctx.out().println(row);
            } catch (SpecException e) {
                ctx.out().printf("%-28s  invalid: %s%s%n", label, e.problems().get(0),
                        e.problems().size() > 1 ? " (+" + (e.problems().size() - 1) + " more; run attnlab validate)" : "");
            }
        }
        return 0;
    }
}
