package dev.attnlab.train;

import dev.attnlab.io.Directories;

import dev.attnlab.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.model.SafeTensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Training checkpoints in a directory: {@code step-00000120/} holding {@code state.safetensors}
 * (parameters as "param.NAME", AdamW moments as "m.NAME" / "v.NAME") and {@code state.json}
 * (step, optimizer step count, and the fingerprint of everything that must match to resume).
 * A checkpoint is written into a temp directory and renamed into place, so a kill mid-write never
 * leaves a half checkpoint that {@link #latest} would pick. The newest {@link #KEEP} are kept.
 */
public final class Checkpoints {

    public static final int KEEP = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Loaded(Path dir, long step, long optimizerSteps, Map<String, INDArray> params, Map<String, INDArray> optimizer) { }

    private final Path root;

    public Checkpoints(Path root) {
        this.root = root;
    }

    public Path root() { return root; }

    public Path save(long step, long optimizerSteps, String fingerprint,
                     Map<String, INDArray> params, Map<String, INDArray> optimizerState) throws IOException {
        Files.createDirectories(root);
        String name = String.format("step-%08d", step);
        Path tmp = Files.createTempDirectory(root, ".tmp-" + name + "-");
        Map<String, INDArray> all = new LinkedHashMap<>();
        params.forEach((k, v) -> all.put("param." + k, v));
        all.putAll(optimizerState);
        SafeTensors.write(tmp.resolve("state.safetensors"), all, Map.of("format", "pt", "producer", "attnlab"));
        ObjectNode s = JSON.createObjectNode();
        s.put("step", step);
        s.put("optimizer_steps", optimizerSteps);
        s.put("fingerprint", fingerprint);
        AtomicFiles.write(tmp.resolve("state.json"), f -> JSON.writeValue(f.toFile(), s)); // fsynced, as the weights are
        Path dst = root.resolve(name);
        if (Files.exists(dst)) Directories.deleteTree(dst);
        Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
        List<Path> all2 = complete();
        for (int i = 0; i < all2.size() - KEEP; i++) Directories.deleteTree(all2.get(i));
        return dst;
    }

    /** The newest complete checkpoint, or null when there is none; fails when its fingerprint differs. */
    public Loaded latest(String fingerprint) throws IOException {
        List<Path> all = complete();
        if (all.isEmpty()) return null;
        Path dir = all.get(all.size() - 1);
        JsonNode s = JSON.readTree(dir.resolve("state.json").toFile());
        if (!fingerprint.equals(s.path("fingerprint").asText())) {
            throw new IOException(dir + ": this checkpoint was written for a different model/train configuration"
                    + " (" + s.path("fingerprint").asText() + "), not " + fingerprint
                    + "; set train.resume: none to start over, or delete " + root);
        }
        return load(dir, s);
    }

    /**
     * The newest complete checkpoint whatever configuration wrote it (train.init_from starts another
     * run's configuration from it), or null when there is none.
     */
    public Loaded newest() throws IOException {
        List<Path> all = complete();
        if (all.isEmpty()) return null;
        Path dir = all.get(all.size() - 1);
        return load(dir, JSON.readTree(dir.resolve("state.json").toFile()));
    }

    private static Loaded load(Path dir, JsonNode s) throws IOException {
        Map<String, INDArray> tensors = SafeTensors.read(dir.resolve("state.safetensors"));
        Map<String, INDArray> params = new LinkedHashMap<>(), opt = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith("param.")) params.put(k.substring(6), v);
            else opt.put(k, v);
        });
        return new Loaded(dir, s.path("step").asLong(), s.path("optimizer_steps").asLong(), params, opt);
    }

    /** Complete checkpoint directories, oldest first. */
    public List<Path> complete() throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
                    .filter(p -> Files.exists(p.resolve("state.json")))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList());
            return out;
        }
    }

}
