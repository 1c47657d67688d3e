package dev.attnlab.eval;

import dev.attnlab.model.HookedModel;
import dev.attnlab.model.ModelIO;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the train stage's model from {@code <train output>/model/}. */
public final class TrainedModel {

    private TrainedModel() {
    }

    public static HookedModel load(Path trainOutput) throws IOException {
        Path dir = trainOutput.resolve("model");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the train stage output " + trainOutput
                    + " has no model/ directory (expected model/model.safetensors and model/config.json); re-run the train stage");
        }
        return ModelIO.load(dir);
    }
}
