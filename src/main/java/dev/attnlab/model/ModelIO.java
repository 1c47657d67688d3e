package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.SpecChoice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.io.AtomicFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model on disk, loadable by TransformerLens: {@code model.safetensors} (HookedTransformer
 * state-dict names and shapes) and {@code config.json} (HookedTransformerConfig fields, plus an
 * {@code "attnlab"} object with the exact attnlab model config, which a Python user pops first).
 */
public final class ModelIO {

    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelIO() { }

    public static void save(HookedModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        ModelConfig c = model.cfg();
        SafeTensors.write(dir.resolve(WEIGHTS), model.stateDict(), Map.of("format", "pt", "producer", "attnlab"));
        AtomicFiles.write(dir.resolve(CONFIG), tmp -> JSON.writeValue(tmp.toFile(), config(c)));
    }

    /** HookedTransformerConfig's fields for {@code c}, and the attnlab config under "attnlab". */
    static ObjectNode config(ModelConfig c) {
        ObjectNode o = JSON.createObjectNode();
        boolean attnOnly = c.mlp() == ModelSpec.Mlp.NONE;
        o.put("n_layers", c.nLayers());
        o.put("d_model", c.dModel());
        o.put("n_ctx", c.nCtx());
        o.put("d_head", c.dHead());
        o.put("n_heads", c.nHeads());
        o.put("d_vocab", c.dVocab());
        o.put("d_vocab_out", c.dVocab());
        if (attnOnly) {
            o.putNull("d_mlp");
            o.putNull("act_fn");
        } else {
            o.put("d_mlp", c.dMlp());
            // TransformerLens has no identity activation: a "linear" MLP is not loadable there as is
            o.put("act_fn", c.mlp() == ModelSpec.Mlp.GELU ? "gelu_new" : "linear");
        }
        o.put("attn_only", attnOnly);
        if (c.norm() == ModelSpec.Norm.PRE_LAYERNORM) o.put("normalization_type", "LN");
        else o.putNull("normalization_type");
        o.put("eps", Transformer.LN_EPS);
        // sinusoidal and absent positions are exported as a fixed (or zero) W_pos table
        o.put("positional_embedding_type", "standard");
        o.put("initializer_range", c.initScale());
        o.put("default_prepend_bos", false);
        ObjectNode a = o.putObject("attnlab");
        a.put("n_layers", c.nLayers());
        a.put("d_model", c.dModel());
        a.put("n_heads", c.nHeads());
        a.put("d_head", c.dHead());
        a.put("n_ctx", c.nCtx());
        a.put("d_vocab", c.dVocab());
        a.put("positional", c.positional().value());
        a.put("norm", c.norm().value());
        a.put("mlp", c.mlp().value());
        a.put("d_mlp", c.dMlp());
        a.put("residual", c.residual());
        a.put("share_layer_weights", c.shareLayerWeights());
        a.put("attn_bias", c.attnBias());
        a.put("unembed_bias", c.unembedBias());
        a.put("init_scale", c.initScale());
        return o;
    }

    /** Reads a model written by {@link #save}. */
    public static Transformer load(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.exists(cfgFile) || !Files.exists(weights)) {
            throw new IOException(dir + ": not an attnlab model directory (expected " + CONFIG + " and " + WEIGHTS
                    + "; the train stage writes them under model/)");
        }
        JsonNode a = JSON.readTree(cfgFile.toFile()).path("attnlab");
        if (a.isMissingNode()) {
            throw new IOException(cfgFile + ": no \"attnlab\" object (was this model written by attnlab?)");
        }
        ModelConfig c = new ModelConfig(a.path("n_layers").asInt(), a.path("d_model").asInt(), a.path("n_heads").asInt(),
                a.path("d_head").asInt(), a.path("n_ctx").asInt(), a.path("d_vocab").asInt(),
                SpecChoice.of(ModelSpec.Positional.class, a.path("positional").asText()),
                SpecChoice.of(ModelSpec.Norm.class, a.path("norm").asText()),
                SpecChoice.of(ModelSpec.Mlp.class, a.path("mlp").asText()), a.path("d_mlp").asInt(),
                a.path("residual").asBoolean(), a.path("share_layer_weights").asBoolean(), a.path("attn_bias").asBoolean(),
                a.path("unembed_bias").asBoolean(), a.path("init_scale").asDouble());
        Map<String, INDArray> sd = SafeTensors.read(weights);
        try {
            return Transformer.fromStateDict(c, sd);
        } catch (IllegalArgumentException e) {
            throw new IOException(weights + ": " + e.getMessage(), e);
        }
    }
}
