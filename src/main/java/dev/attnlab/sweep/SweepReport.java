package dev.attnlab.sweep;

import dev.attnlab.io.AtomicFiles;
import dev.attnlab.pipeline.RunLog;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sweep's results: {@code trials.csv} and {@code trials.md} (every trial, best first) and
 * {@code best.yaml}, the best finished trial as a ready-to-run experiment spec that extends the
 * base experiment with the chosen values. Written to the sweep folder and logged to the parent run.
 */
public final class SweepReport {

    private SweepReport() {
    }

    /** The best finished trial (killed trials never win: they did not train to the end). */
    public static Optional<SweepState.Trial> best(SweepSpec spec, SweepState state) {
        return state.trials.stream()
                .filter(t -> t.status == TrialStatus.FINISHED && t.metric != null)
                .min(Comparator.comparingDouble(t -> spec.metric().goal().asLoss(t.metric)));
    }

    /** Finished trials by metric, then killed ones by metric, then diverged ones, then the rest by index. */
    static List<SweepState.Trial> ranked(SweepSpec spec, SweepState state) {
        List<SweepState.Trial> out = new ArrayList<>(state.trials);
        out.sort(Comparator.<SweepState.Trial>comparingInt(t -> t.status == TrialStatus.FINISHED && t.metric != null ? 0
                        : t.status == TrialStatus.KILLED && t.metric != null ? 1
                        : t.status == TrialStatus.DIVERGED ? 2 : 3)
                .thenComparingDouble(t -> t.metric == null ? 0 : spec.metric().goal().asLoss(t.metric))
                .thenComparingInt(t -> t.index));
        return out;
    }

    public static void write(SweepSpec spec, SweepState state, Path dir, SweepTracker tracker, RunLog log) {
        try {
            Path csv = AtomicFiles.writeString(dir.resolve("trials.csv"), csv(spec, state));
            Path md = AtomicFiles.writeString(dir.resolve("trials.md"), markdown(spec, state));
            tracker.logArtifact(csv, "");
            tracker.logArtifact(md, "");
            Optional<SweepState.Trial> best = best(spec, state);
            if (best.isPresent()) {
                Path yaml = AtomicFiles.writeString(dir.resolve("best.yaml"), bestSpec(spec, best.get(), dir));
                tracker.logArtifact(yaml, "");
                tracker.setTag("attnlab.best_trial", best.get().name);
                tracker.setTag("attnlab.best_metric", Double.toString(best.get().metric));
                log.info("best: " + best.get().name + " " + spec.metric().name() + " = " + metricText(best.get().metric)
                        + " " + best.get().params + "; run it with: attnlab run " + yaml);
            } else if (state.trials.stream().anyMatch(t -> t.status.kept())) {
                log.warn("no trial trained to the end (all were stopped early or diverged), so there is no best.yaml:"
                        + " see the notes in " + md + "; a search space with lower learning rates, or a larger"
                        + " early_terminate.min_iter, may help");
            }
            log.info("trial table: " + md);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the sweep report in " + dir + ": " + e.getMessage(), e);
        }
    }

    static String csv(SweepSpec spec, SweepState state) throws IOException {
        StringWriter out = new StringWriter();
        List<String> header = new ArrayList<>(List.of("rank", "trial", "status", spec.metric().name(), "iterations"));
        spec.parameters().forEach(p -> header.add(p.path()));
        header.add("message");
        try (CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
            printer.printRecord(header);
            int rank = 1;
            for (SweepState.Trial t : ranked(spec, state)) {
                List<Object> row = new ArrayList<>(List.of(rank++, t.name, t.status.json(),
                        t.metric == null ? "" : t.metric, t.iterations));
                spec.parameters().forEach(p -> row.add(t.params.getOrDefault(p.path(), "")));
                row.add(t.message == null ? "" : t.message);
                printer.printRecord(row);
            }
        }
        return out.toString();
    }

    static String markdown(SweepSpec spec, SweepState state) {
        StringBuilder md = new StringBuilder();
        md.append("# Sweep ").append(spec.name()).append("\n\n")
                .append(spec.method().name().toLowerCase(Locale.ROOT)).append(" search over ")
                .append(spec.experiment().getFileName()).append(", ")
                .append(spec.metric().goal().name().toLowerCase(Locale.ROOT)).append(" ").append(spec.metric().name())
                .append("; ").append(state.trials.size()).append(" of ").append(spec.count()).append(" trials.\n\n");
        md.append("| rank | trial | status | ").append(spec.metric().name()).append(" | evals |");
        spec.parameters().forEach(p -> md.append(' ').append(p.path()).append(" |"));
        md.append(" note |\n|---|---|---|---|---|");
        spec.parameters().forEach(p -> md.append("---|"));
        md.append("---|\n");
        int rank = 1;
        for (SweepState.Trial t : ranked(spec, state)) {
            md.append("| ").append(rank++).append(" | ").append(t.name).append(" | ").append(t.status.json()).append(" | ")
                    .append(t.metric == null ? "" : String.format(Locale.ROOT, "%.5g", t.metric)).append(" | ")
                    .append(t.iterations).append(" |");
            spec.parameters().forEach(p -> md.append(' ').append(format(t.params.get(p.path()))).append(" |"));
            md.append(' ').append(t.message == null ? "" : t.message.replace("|", "\\|")).append(" |\n");
        }
        return md.toString();
    }

    private static String format(Object v) {
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.4g", d);
        }
        return String.valueOf(v);
    }

    /** A metric value for people (five significant digits); files and tags keep the full value. */
    static String metricText(double value) {
        return String.format(Locale.ROOT, "%.5g", value);
    }

    /** The best trial as an experiment spec: {@code extends} the base (relative to {@code dir}) plus the values. */
    static String bestSpec(SweepSpec spec, SweepState.Trial best, Path dir) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", spec.name() + "-best");
        doc.put("description", "Best trial (" + best.name + ", " + spec.metric().name() + " = " + metricText(best.metric)
                + ") of sweep " + spec.name() + " over " + spec.experiment().getFileName());
        doc.put("extends", dir.toAbsolutePath().normalize().relativize(spec.experiment()).toString());
        for (Map.Entry<String, Object> e : best.params.entrySet()) {
            put(doc, e.getKey().split("\\."), 0, e.getValue());
        }
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setWidth(100).build();
        return "# Written by 'attnlab sweep " + spec.name() + "'. Run: attnlab run <this file>\n"
                + new Dump(settings).dumpToString(doc);
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> map, String[] path, int i, Object value) {
        if (i == path.length - 1) {
            map.put(path[i], value);
            return;
        }
        put((Map<String, Object>) map.computeIfAbsent(path[i], k -> new LinkedHashMap<>()), path, i + 1, value);
    }

}
