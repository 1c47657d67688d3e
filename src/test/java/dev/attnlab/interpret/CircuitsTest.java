package dev.attnlab.interpret;

import dev.attnlab.model.ModelConfig;
import dev.attnlab.pipeline.Progress;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitsTest {

    @Test
    void chunkedTopKMatchesBruteForceForEveryChunkSize() {
        Nd4j.getRandom().setSeed(4);
        INDArray a = Nd4j.randn(DataType.FLOAT, 37, 3);
        INDArray b = Nd4j.randn(DataType.FLOAT, 3, 29);
        float[][] full = a.mmul(b).toFloatMatrix();
        float[] all = new float[37 * 29];
        for (int i = 0; i < 37; i++) System.arraycopy(full[i], 0, all, i * 29, 29);
        java.util.Arrays.sort(all);
        for (int chunk : new int[] {1, 5, 16, 37, 100}) {
            VocabTopK.Result r = VocabTopK.of(a, b, 10, chunk);
            for (int i = 0; i < 10; i++) {
                assertEquals(all[all.length - 1 - i], r.values()[i], 1e-5, "chunk " + chunk + " rank " + i);
                assertEquals(full[r.rows()[i]][r.cols()[i]], r.values()[i], 1e-5);
            }
            for (int row = 0; row < 37; row++) {
                float best = Float.NEGATIVE_INFINITY;
                int arg = -1;
                for (int c = 0; c < 29; c++) {
                    if (full[row][c] > best) { best = full[row][c]; arg = c; }
                }
                assertEquals(arg, r.rowArgMax()[row]);
            }
        }
    }

    @Test
    void identityOvCopiesEveryTokenAndShiftOvCopiesNone() {
        INDArray eye = Nd4j.eye(6).castTo(DataType.FLOAT);
        VocabTopK.Result id = VocabTopK.of(eye, eye, 3, 2);
        assertEquals(1.0, id.diagonalArgMaxFraction(), 1e-12);
        INDArray shift = Nd4j.zeros(DataType.FLOAT, 6, 6);
        for (int i = 0; i < 6; i++) shift.putScalar(i, (i + 1) % 6, 1f);
        assertEquals(0.0, VocabTopK.of(eye, shift, 3, 4).diagonalArgMaxFraction(), 1e-12);
    }

    /** vocab 5 = d_model, identity embeddings; one head: query 2 attends to key 4, OV maps 4 -> 1. */
    static Map<String, INDArray> skipTrigramWeights(ModelConfig cfg) {
        Map<String, INDArray> w = ReferenceAttentionModel.zeros(cfg);
        w.put("embed.W_E", Nd4j.eye(5).castTo(DataType.FLOAT));
        w.put("unembed.W_U", Nd4j.eye(5).castTo(DataType.FLOAT));
        w.get("blocks.0.attn.W_Q").putScalar(new long[] {0, 2, 0}, 3f);
        w.get("blocks.0.attn.W_K").putScalar(new long[] {0, 4, 0}, 3f);
        for (int i = 0; i < 5; i++) {
            w.get("blocks.0.attn.W_V").putScalar(new long[] {0, i, i}, 1f);
            w.get("blocks.0.attn.W_O").putScalar(new long[] {0, i, i == 4 ? 1 : i}, 1f);
        }
        return w;
    }

    @Test
    void skipTrigramOfAHandBuiltHead() throws Exception {
        ModelConfig cfg = ReferenceAttentionModel.config(1, 5, 1, 5, 8, 5);
        Map<String, INDArray> w = skipTrigramWeights(cfg);
        List<Circuits.Head> heads = Circuits.heads(w, cfg, 4, 2, Progress.NONE);
        Circuits.SkipTrigram top = Circuits.skipTrigrams(heads).get(0);
        assertEquals(4, top.source());
        assertEquals(2, top.destination());
        assertEquals(1, top.output());
        assertEquals(9.0 / Math.sqrt(5), top.qk(), 1e-5);
        // OV is a permutation with one 2-cycle... here 4->1 and 1->1: 4 of 5 tokens copy themselves
        assertEquals(0.8, heads.get(0).ovSelfTop1(), 1e-12);
        Path dir = Files.createTempDirectory("circuits");
        Circuits.writeHeadTables(heads, dir, TokenText.IDS);
        List<String> lines = Files.readAllLines(dir.resolve("qk_circuit_top.csv"));
        assertEquals("layer,head,rank,query_id,query,key_id,key,value", lines.get(0));
        assertTrue(lines.get(1).startsWith("0,0,1,2,2,4,4,"), lines.get(1));
    }

    @Test
    void compositionOfOrthogonalAndAlignedMatrices() {
        // aligned rank-r projections: ||P P|| / (||P|| ||P||) = sqrt(r) / r
        INDArray p = Nd4j.zeros(DataType.DOUBLE, 8, 8);
        for (int i = 0; i < 4; i++) p.putScalar(i, i, 1.0);
        assertEquals(0.5, Composition.score(p, p), 1e-12);
        INDArray q = Nd4j.zeros(DataType.DOUBLE, 8, 8);
        for (int i = 4; i < 8; i++) q.putScalar(i, i, 1.0);
        assertEquals(0.0, Composition.score(p, q), 1e-12);
    }

    @Test
    void inductionCircuitIsKCompositionAboveTheRandomBaseline() {
        ReferenceAttentionModel m = HandBuiltInductionModel.build(12, 8, 2, true);
        ModelConfig c = m.cfg();
        Composition.Table t = Composition.all(m.stateDict(), 2, 2, c.dModel(), c.dHead(), 1);
        double k = pick(t, Composition.Kind.K);
        double q = pick(t, Composition.Kind.Q);
        double v = pick(t, Composition.Kind.V);
        // W_OV(L0H0) and W_QK(L1H0)^T are aligned rank-12 maps: score exactly 1/sqrt(12)
        assertEquals(1 / Math.sqrt(12), k, 1e-9);
        assertTrue(k > 1.5 * t.randomBaseline(), "K-composition " + k + " vs random " + t.randomBaseline());
        assertEquals(0.0, q, 1e-9);
        assertEquals(0.0, v, 1e-9);
        assertTrue(t.randomBaseline() > 0 && t.randomBaseline() < 0.5);
        // 2 layers x 2 heads: 2 x 2 pairs x 3 kinds (zero-weight heads give NaN, not an error)
        assertEquals(12, t.scores().size());
    }

    private static double pick(Composition.Table t, Composition.Kind kind) {
        return t.scores().stream().filter(s -> s.kind() == kind && s.layer1() == 0 && s.head1() == 0
                && s.layer2() == 1 && s.head2() == 0).findFirst().orElseThrow().score();
    }

    @Test
    void directPathTopBigram() {
        INDArray wE = Nd4j.eye(4).castTo(DataType.FLOAT);
        INDArray wU = Nd4j.zeros(DataType.FLOAT, 4, 4);
        wU.putScalar(2, 3, 5f);
        wU.putScalar(0, 1, 2f);
        VocabTopK.Result r = Circuits.directPath(Map.of("embed.W_E", wE, "unembed.W_U", wU), 2, 3);
        assertArrayEquals(new int[] {2, 0}, r.rows());
        assertArrayEquals(new int[] {3, 1}, r.cols());
    }
}
