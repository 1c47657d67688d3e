package dev.attnlab.eval;

import dev.attnlab.model.HookedModel;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the train stage's model ({@code <train output>/model/}) through {@code model.ModelIO.load(dir)}.
 * Called reflectively only until the model package is merged (the two branches are developed in
 * parallel); then this becomes a direct call.
 */
public final class TrainedModel {

    private TrainedModel() {
    }

    public static HookedModel load(Path trainOutput) throws Exception {
        Path dir = trainOutput.resolve("model");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the train stage output " + trainOutput
                    + " has no model/ directory (expected model/model.safetensors and model/config.json); re-run the train stage");
        }
        Class<?> io;
        try {
            io = Class.forName("dev.attnlab.model.ModelIO");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this build has no dev.attnlab.model.ModelIO to load " + dir, e);
        }
        try {
            return (HookedModel) io.getMethod("load", Path.class).invoke(null, dir);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }
}
