package dev.attnlab.model;

import dev.attnlab.spec.ModelSpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ModelIOTest {

    static ModelConfig cfg(ModelSpec.Positional pos, ModelSpec.Norm norm, ModelSpec.Mlp mlp, boolean share) {
        return new ModelConfig(2, 8, 2, 4, 6, 11, pos, norm, mlp, mlp == ModelSpec.Mlp.NONE ? 0 : 16, true, share, true, true, 0.3);
    }

    @Test
    void roundTripKeepsWeightsConfigAndOutputs(@TempDir Path dir) throws Exception {
        for (ModelConfig c : List.of(cfg(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, false), cfg(ModelSpec.Positional.SINUSOIDAL, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.GELU, true),
                cfg(ModelSpec.Positional.NONE, ModelSpec.Norm.NONE, ModelSpec.Mlp.LINEAR, false))) {
            Path d = dir.resolve(c.positional().value());
            Transformer m = Transformer.init(c, DataType.FLOAT, 3);
            ModelIO.save(m, d);
            Transformer back = ModelIO.load(d);
            assertEquals(c, back.cfg());
            for (String name : m.parameters().keySet()) {
                assertEquals(m.parameters().get(name), back.parameters().get(name), name);
            }
            INDArray tokens = Nd4j.createFromArray(new int[][]{{1, 2, 3, 4, 5}, {10, 9, 8, 7, 6}});
            assertEquals(m.run(tokens, Set.of()).get("logits"), back.run(tokens, Set.of()).get("logits"));
        }
    }

    @Test
    void fileIsSafetensorsInTransformerLensLayout(@TempDir Path dir) throws Exception {
        ModelConfig c = cfg(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true);
        ModelIO.save(Transformer.init(c, DataType.FLOAT, 1), dir);
        byte[] bytes = Files.readAllBytes(dir.resolve(ModelIO.WEIGHTS));
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8, "data 8-byte aligned");
        JsonNode h = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).trim());
        assertEquals("[11,8]", h.path("embed.W_E").path("shape").toString());
        assertEquals("[6,8]", h.path("pos_embed.W_pos").path("shape").toString());
        assertEquals("[2,8,4]", h.path("blocks.1.attn.W_Q").path("shape").toString(), "shared weights duplicated per block");
        assertEquals("[2,4]", h.path("blocks.0.attn.b_K").path("shape").toString());
        assertEquals("[2,4,8]", h.path("blocks.1.attn.W_O").path("shape").toString());
        assertEquals("[8,11]", h.path("unembed.W_U").path("shape").toString());
        assertEquals("F32", h.path("unembed.b_U").path("dtype").asText());
        long end = 0;
        for (var it = h.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            end = Math.max(end, e.getValue().path("data_offsets").get(1).asLong());
        }
        assertEquals(bytes.length, 8 + headerLen + end, "data fills the file exactly");
        JsonNode cfgJson = new ObjectMapper().readTree(dir.resolve(ModelIO.CONFIG).toFile());
        assertEquals(2, cfgJson.path("n_layers").asInt());
        assertEquals(4, cfgJson.path("d_head").asInt());
        assertTrue(cfgJson.path("attn_only").asBoolean());
        assertTrue(cfgJson.path("normalization_type").isNull());
        assertEquals("standard", cfgJson.path("positional_embedding_type").asText());
    }

    /** The exported W_Q/b_Q/W_O mean what TransformerLens means by them: recompute the hooks from the state dict. */
    @Test
    void stateDictLayoutReproducesHooks() {
        ModelConfig c = cfg(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, false);
        Transformer m = Transformer.init(c, DataType.DOUBLE, 5);
        INDArray tokens = Nd4j.createFromArray(new int[][]{{1, 2, 3, 4}});
        Map<String, INDArray> out = m.run(tokens, Set.of("blocks.1.hook_resid_pre", "blocks.1.attn.hook_q",
                "blocks.1.attn.hook_z", "blocks.1.attn.hook_result", "blocks.1.hook_attn_out"));
        Map<String, INDArray> sd = m.stateDict();
        INDArray resid = out.get("blocks.1.hook_resid_pre").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));  // [T, D]
        INDArray z = out.get("blocks.1.attn.hook_z");                                                             // [1, T, H, d]
        INDArray sumResult = Nd4j.zeros(DataType.DOUBLE, 4, 8);
        for (int head = 0; head < 2; head++) {
            INDArray wq = sd.get("blocks.1.attn.W_Q").slice(head);                                                 // [D, d]
            INDArray bq = sd.get("blocks.1.attn.b_Q").slice(head);
            INDArray q = resid.mmul(wq).addRowVector(bq);                                                          // [T, d]
            INDArray hookQ = out.get("blocks.1.attn.hook_q").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(head),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(q.equalsWithEps(hookQ, 1e-10), "hook_q head " + head);
            INDArray zHead = z.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(head), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray res = zHead.mmul(sd.get("blocks.1.attn.W_O").slice(head));                                   // [T, D]
            INDArray hookRes = out.get("blocks.1.attn.hook_result").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(head),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(res.equalsWithEps(hookRes, 1e-10), "hook_result head " + head);
            sumResult.addi(res);
        }
        INDArray attnOut = out.get("blocks.1.hook_attn_out").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
        assertTrue(sumResult.addRowVector(sd.get("blocks.1.attn.b_O")).equalsWithEps(attnOut, 1e-10));
    }

    /**
     * Writes models of several architectures with tokens and attnlab's logits for
     * src/test/python/tl_layout_check.py, which recomputes the logits with TransformerLens's
     * equations from the exported files alone. Runs only with -Dattnlab.tlcheck.dir=DIR.
     */
    @Test
    void writeFilesForTheTransformerLensCheck() throws Exception {
        String out = System.getProperty("attnlab.tlcheck.dir");
        org.junit.jupiter.api.Assumptions.assumeTrue(out != null, "set -Dattnlab.tlcheck.dir to write them");
        Map<String, ModelConfig> cases = new java.util.LinkedHashMap<>();
        cases.put("default", cfg(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, false));
        cases.put("shared", cfg(ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, true));
        cases.put("ln_gelu_sinusoidal", cfg(ModelSpec.Positional.SINUSOIDAL, ModelSpec.Norm.PRE_LAYERNORM, ModelSpec.Mlp.GELU, false));
        cases.put("no_pos_no_bias", new ModelConfig(2, 8, 2, 4, 6, 11, ModelSpec.Positional.NONE, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0, true, false, false, false, 0.3));
        ObjectMapper json = new ObjectMapper();
        int[][] tokens = {{1, 2, 3, 4, 5, 6}, {10, 9, 8, 7, 6, 0}};
        for (Map.Entry<String, ModelConfig> e : cases.entrySet()) {
            Path d = Path.of(out, e.getKey());
            Transformer m = Transformer.init(e.getValue(), DataType.FLOAT, 11);
            ModelIO.save(m, d);
            json.writeValue(d.resolve("tokens.json").toFile(), tokens);
            double[][][] logits = new double[2][6][];
            INDArray l = m.run(Nd4j.createFromArray(tokens), Set.of()).get("logits");
            for (int b = 0; b < 2; b++) for (int t = 0; t < 6; t++) logits[b][t] = l.get(
                    org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(t),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).toDoubleVector();
            json.writeValue(d.resolve("logits.json").toFile(), logits);
        }
    }

    @Test
    void loadNamesTheMissingFile(@TempDir Path dir) {
        var e = assertThrows(java.io.IOException.class, () -> ModelIO.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
