package dev.attnlab.cli;

import dev.attnlab.pipeline.ExperimentRunner;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.tracking.TrackerBackend;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * What commands need from their surroundings: stages, tracking backends, the project directory
 * (null = discover from the spec) and the console. The real CLI takes stages and backends from the
 * class path; tests inject fakes.
 */
public record CliContext(Supplier<StageRegistry> stages, Supplier<List<TrackerBackend>> backends,
                         Path projectDir, PrintStream out, PrintStream err, boolean terminal) {

    public static CliContext fromClassPath() {
        return new CliContext(StageRegistry::fromServiceLoader,
                () -> ServiceLoader.load(TrackerBackend.class).stream().map(ServiceLoader.Provider::get).toList(),
                null, System.out, System.err, System.console() != null);
    }

    /** The project for a spec (or the working directory): an explicit --project-dir wins. */
    public ProjectLayout layout(Path explicit, Path specFile) {
        if (explicit != null) {
            return ProjectLayout.at(explicit);
        }
        if (projectDir != null) {
            return ProjectLayout.at(projectDir);
        }
        return ProjectLayout.discover(specFile == null ? null : specFile.toAbsolutePath().getParent());
    }

    public ExperimentRunner runner(ProjectLayout layout) {
        return new ExperimentRunner(stages.get(), layout, backends.get());
    }
}
