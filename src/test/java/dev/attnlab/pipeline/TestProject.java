package dev.attnlab.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A throw-away project directory with the real pipelines/ and a small synthetic spec. */
public final class TestProject {

    public static final String SPEC = """
            name: tiny
            data:
              source: synthetic
              synthetic: {vocab: 50, train_sequences: 10}
            tokenizer:
              kind: none
            model:
              n_layers: 1
              d_model: 16
              n_heads: 2
              n_ctx: 16
            train:
              lr: 1.0e-3
              steps: 5
            tracking:
              backend: none
            """;

    public final Path root;
    public final Path spec;

    public TestProject(Path root) throws IOException {
        this(root, true);
    }

    /** {@code create = false} opens a project another process already set up. */
    public TestProject(Path root, boolean create) throws IOException {
        this.root = root;
        this.spec = root.resolve("experiments/tiny.yaml");
        if (!create) {
            return;
        }
        Files.createDirectories(root.resolve("pipelines"));
        Files.copy(Path.of("pipelines/language-model.yaml"), root.resolve("pipelines/language-model.yaml"));
        Files.createDirectories(root.resolve("experiments"));
        Files.writeString(spec, SPEC);
    }

    public ProjectLayout layout() {
        return new ProjectLayout(root, root.resolve("pipelines"), root.resolve("experiments"), root.resolve("runs"),
                root.resolve(".attnlab/cache"));
    }

    public static List<FakeStage> languageModelStages() {
        return List.of(new FakeStage("ingest"), new FakeStage("tokenize"), new FakeStage("train"),
                new FakeStage("evaluate"), new FakeStage("interpret"));
    }
}
