package dev.attnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.pipeline.ExperimentRunner;
import dev.attnlab.tracking.RunDirTracker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Summarise a run directory: status, stages (cached or ran, timings), final metrics, artifacts.",
                "Given runs/<name>, shows its latest run."})
final class ShowCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    private Main parent;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory, or runs/<name> for its latest run.")
    private Path runDir;

    @Override
    public Integer call() throws IOException {
        PrintStream out = parent.context().out();
        Path dir = resolve(runDir);
        JsonNode m = JSON.readTree(dir.resolve(ExperimentRunner.MANIFEST).toFile());
        out.println("run       " + dir);
        out.println("spec      " + m.path("spec").asText() + "  (" + m.path("spec_file").asText() + ", hash "
                + m.path("spec_hash").asText().substring(0, Math.min(12, m.path("spec_hash").asText().length())) + ")");
        out.println("status    " + m.path("status").asText() + "  started " + m.path("started").asText()
                + (m.path("finished").isNull() ? "" : "  finished " + m.path("finished").asText()));
        if (m.path("overrides").size() > 0) {
            out.println("overrides " + m.path("overrides"));
        }
        if (!m.path("error").isNull() && !m.path("error").asText().isEmpty()) {
            out.println("error     " + m.path("error").asText());
        }
        out.println("stages");
        for (JsonNode s : m.path("stages")) {
            out.printf("  %-10s %-8s %9s  %s%n", s.path("name").asText(), s.path("cache").asText(),
                    s.has("seconds") ? String.format("%.2f s", s.path("seconds").asDouble()) : "",
                    s.path("key").asText("").substring(0, Math.min(12, s.path("key").asText("").length())));
            if (s.hasNonNull("reason")) {
                out.println("             ran because: " + s.path("reason").asText());
            }
        }
        Map<String, double[]> last = lastMetrics(dir.resolve(RunDirTracker.METRICS));
        if (!last.isEmpty()) {
            out.println("metrics (last value, step)");
            last.forEach((k, v) -> out.printf("  %-40s %-14.6g %d%n", k, v[0], (long) v[1]));
        }
        Path artifacts = dir.resolve(RunDirTracker.ARTIFACTS);
        if (Files.isDirectory(artifacts)) {
            try (Stream<Path> files = Files.walk(artifacts)) {
                List<Path> list = files.filter(Files::isRegularFile).sorted().toList();
                out.println("artifacts (" + list.size() + ")");
                list.stream().limit(30).forEach(p -> out.println("  " + artifacts.relativize(p)));
                if (list.size() > 30) {
                    out.println("  ... " + (list.size() - 30) + " more under " + artifacts);
                }
            }
        }
        return 0;
    }

    private static Path resolve(Path given) throws IOException {
        if (Files.isRegularFile(given.resolve(ExperimentRunner.MANIFEST))) {
            return given;
        }
        if (Files.isDirectory(given)) {
            try (Stream<Path> runs = Files.list(given)) {
                Path latest = runs.filter(p -> Files.isRegularFile(p.resolve(ExperimentRunner.MANIFEST)))
                        .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
                if (latest != null) {
                    return latest;
                }
            }
        }
        throw new UserError(given + " is not a run directory (it has no " + ExperimentRunner.MANIFEST
                + "); runs are under runs/<spec name>/<timestamp>/", Main.EXIT_USAGE);
    }

    private static Map<String, double[]> lastMetrics(Path file) throws IOException {
        Map<String, double[]> last = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return last;
        }
        try (Stream<String> lines = Files.lines(file)) {
            lines.filter(l -> !l.isBlank()).forEach(l -> {
                try {
                    JsonNode n = JSON.readTree(l);
                    last.put(n.path("key").asText(), new double[] {n.path("value").asDouble(), n.path("step").asDouble()});
                } catch (IOException e) {
                    // a line cut short by a killed run; the others are still worth showing
                }
            });
        }
        return last;
    }
}
