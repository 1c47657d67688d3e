package dev.attnlab.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.io.AtomicFiles;
import dev.attnlab.io.FileLocks;
import dev.attnlab.spec.CanonicalJson;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.SpecLoader;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One run's directory, {@code runs/<spec name>/<UTC timestamp>/}: the resolved spec
 * ({@code spec.yaml}, {@code spec.json}), the spec's source files ({@code source/}), and
 * {@code manifest.json} (status, overrides, and per stage its key, cache hit or miss, timing),
 * rewritten atomically as each stage starts and ends, so a killed run still shows how far it got. The running
 * process holds a lock on {@code .lock} until the run ends, so a later run can tell a manifest that
 * still says "running" from a run whose process died (see {@link #closeAbandoned}).
 */
final class RunDirectory {

    static final String MANIFEST = "manifest.json";
    static final String LOG = "run.log";
    static final String LOCK = ".lock";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter RUN_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final ExperimentSpec spec;
    private final RunPlan plan;
    private final RunOptions options;
    private final Set<String> forced;
    private final Instant started = Instant.now();
    private final FileLocks.Held lock;

    private RunDirectory(Path dir, ExperimentSpec spec, RunPlan plan, RunOptions options, Set<String> forced)
            throws IOException {
        this.dir = dir;
        this.spec = spec;
        this.plan = plan;
        this.options = options;
        this.forced = forced;
        this.lock = FileLocks.tryLock(dir.resolve(LOCK))
                .orElseThrow(() -> new IOException(dir + " is in use by another process"));
    }

    /** Ends the run's hold on its directory (the process ending does the same). */
    void release() {
        lock.close();
    }

    /**
     * Marks the runs beside {@code current} whose manifest still says "running" but whose lock no
     * process holds: their process died without finishing them (SIGKILL, out of memory, the machine
     * stopped). Their status becomes "killed", as of the last write to their log.
     */
    static void closeAbandoned(Path current, RunLog log) {
        Path parent = current.toAbsolutePath().getParent();
        List<Path> siblings;
        try (var s = Files.list(parent)) {
            siblings = s.filter(d -> !d.equals(current.toAbsolutePath()) && Files.isRegularFile(d.resolve(MANIFEST))
                    && Files.isRegularFile(d.resolve(LOCK))).sorted().toList();
        } catch (IOException e) {
            return;
        }
        for (Path d : siblings) {
            try {
                ObjectNode m = (ObjectNode) JSON.readTree(d.resolve(MANIFEST).toFile());
                if (!"running".equals(m.path("status").asText())) {
                    continue;
                }
                Optional<FileLocks.Held> free = FileLocks.tryLock(d.resolve(LOCK));
                if (free.isEmpty()) {
                    continue; // its process is alive (another one, or this one running it in parallel)
                }
                try (FileLocks.Held held = free.get()) {
                    // read again under the lock: the run may have finished (and released it) since
                    m = (ObjectNode) JSON.readTree(d.resolve(MANIFEST).toFile());
                    if (!"running".equals(m.path("status").asText())) {
                        continue;
                    }
                    Path lastWritten = Files.isRegularFile(d.resolve(LOG)) ? d.resolve(LOG) : d.resolve(MANIFEST);
                    m.put("finished", Files.getLastModifiedTime(lastWritten).toInstant().toString());
                    m.put("status", "killed");
                    m.put("error", "the process ended without finishing the run (killed, out of memory, or the "
                            + "machine stopped); marked by the run " + current.getFileName());
                    for (JsonNode stage : m.path("stages")) {
                        if ("running".equals(stage.path("cache").asText())) {
                            ((ObjectNode) stage).put("cache", "killed");
                        }
                    }
                    ObjectNode killed = m;
                    AtomicFiles.write(d.resolve(MANIFEST), tmp -> JSON.writeValue(tmp.toFile(), killed));
                    log.warn("earlier run " + d + " ended without finishing (its process was killed): marked killed");
                }
            } catch (IOException | RuntimeException e) {
                log.warn("cannot check earlier run " + d + ": " + e.getMessage());
            }
        }
    }

    /** The key a run's manifest lists for {@code stage}, if the run got that far in planning it. */
    public static Optional<String> stageKey(Path runDir, String stage) {
        try {
            for (JsonNode s : JSON.readTree(runDir.resolve(MANIFEST).toFile()).path("stages")) {
                if (stage.equals(s.path("name").asText()) && s.path("key").isTextual()) {
                    return Optional.of(s.path("key").asText());
                }
            }
        } catch (IOException e) {
            // not a run directory, or its manifest is damaged: no key to offer
        }
        return Optional.empty();
    }

    /**
     * The runs of one spec ({@code runs/<name>/}), newest first: directories with a manifest, by
     * their timestamp names.
     */
    public static List<Path> runsNewestFirst(Path specRunsDir) {
        try (var s = Files.list(specRunsDir)) {
            return s.filter(d -> Files.isRegularFile(d.resolve(MANIFEST)))
                    .sorted(java.util.Comparator.comparing((Path d) -> d.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The key of {@code stage} in the newest run of this spec before this one, if any listed it. */
    Optional<String> earlierKey(String stage) {
        for (Path d : runsNewestFirst(dir.toAbsolutePath().getParent())) {
            if (d.getFileName().toString().compareTo(dir.getFileName().toString()) >= 0) continue;
            Optional<String> key = stageKey(d, stage);
            if (key.isPresent()) return key;
        }
        return Optional.empty();
    }

    /** Creates a fresh directory; runs started in the same second (parallel trials) get a suffix. */
    static RunDirectory create(Path runsDir, ExperimentSpec spec, RunPlan plan, RunOptions options, Set<String> forced) {
        Path parent = runsDir.resolve(spec.name());
        String stamp = RUN_ID.format(Instant.now());
        try {
            Files.createDirectories(parent);
            for (int i = 0; ; i++) {
                try {
                    Path dir = Files.createDirectory(parent.resolve(i == 0 ? stamp : stamp + "-" + i));
                    return new RunDirectory(dir, spec, plan, options, forced);
                } catch (FileAlreadyExistsException e) {
                    // taken by a run that started in the same second: try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + parent, e);
        }
    }

    Path path() {
        return dir;
    }

    /** {@code spec.yaml} (resolved, overrides noted), {@code spec.json}, and {@code source/} (the spec and what it extends). */
    void writeSpec() throws IOException {
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build();
        String yaml = "# resolved spec: every key with its default filled in"
                + (options.overrides().isEmpty() ? "" : "; overrides: " + String.join(" ", options.overrides()))
                + "\n" + new Dump(settings).dumpToString(spec.resolved());
        Files.writeString(dir.resolve("spec.yaml"), yaml);
        Files.writeString(dir.resolve("spec.json"), JSON.writeValueAsString(spec.resolved()));
        Path source = Files.createDirectories(dir.resolve("source"));
        if (spec.file() != null && Files.isRegularFile(spec.file())) {
            for (Path f : SpecLoader.sourceFiles(spec.file())) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, source.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** The files a tracker should store as the run's spec artifacts. */
    List<Path> specFiles() throws IOException {
        List<Path> files = new ArrayList<>(List.of(dir.resolve("spec.yaml")));
        try (var s = Files.list(dir.resolve("source"))) {
            s.sorted().forEach(files::add);
        }
        return files;
    }

    synchronized void writeManifest(String status, String error, List<RunResult.StageOutcome> outcomes,
                                    String runningStage) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec.name());
        m.put("spec_file", String.valueOf(spec.file()));
        m.put("spec_hash", CanonicalJson.specHash(spec));
        m.put("pipeline", plan.pipeline().name());
        m.put("attnlab_version", Version.get());
        m.put("overrides", options.overrides());
        m.put("until", options.until());
        m.put("forced", new ArrayList<>(forced));
        m.put("started", started.toString());
        m.put("finished", status.equals("running") ? null : Instant.now().toString());
        m.put("status", status);
        m.put("error", error);
        List<Map<String, Object>> stages = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (RunResult.StageOutcome o : outcomes) {
            done.add(o.name());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", o.name());
            s.put("version", o.version());
            s.put("key", o.key());
            s.put("cache", o.cache());
            if (o.reason() != null) s.put("reason", o.reason());
            s.put("seconds", Math.round(o.seconds() * 1000) / 1000.0);
            s.put("output_dir", o.outputDir().toString());
            stages.add(s);
        }
        for (PipelineDefinition.StageNode n : plan.stages()) {
            if (!done.contains(n.name())) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("name", n.name());
                s.put("key", plan.keys().get(n.name()));
                // the stage in progress when the run ended carries the run's end state (failed, interrupted)
                s.put("cache", !n.name().equals(runningStage) ? "pending" : status);
                stages.add(s);
            }
        }
        m.put("stages", stages);
        AtomicFiles.write(dir.resolve(MANIFEST), tmp -> JSON.writeValue(tmp.toFile(), m));
    }
}
