package dev.attnlab.train;

import dev.attnlab.pipeline.StageRuns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.model.ModelIO;
import dev.attnlab.model.Transformer;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.pipeline.StageContext;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.spec.InterpretSpec;
import dev.attnlab.spec.ModelSpec;
import dev.attnlab.spec.SpecChoice;
import dev.attnlab.spec.TrainSpec;
import dev.attnlab.tokenize.TokenShardWriter;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class TrainStageTest {

    static Path tokenized(Path dir) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(3);
        for (String split : List.of("train", "val")) {
            try (TokenShardWriter w = new TokenShardWriter(dir, split, false)) {
                for (int d = 0; d < (split.equals("train") ? 60 : 10); d++) {
                    int[] ids = new int[20 + r.nextInt(30)];
                    for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(39);
                    w.add(ids);
                }
            }
        }
        Files.writeString(dir.resolve("manifest.json"), "{\"tokenizer\": \"none\", \"vocab_size\": 40, \"wide\": false,"
                + " \"eot_id\": -1, \"pad_id\": 39, \"packing\": \"concat\","
                + " \"splits\": {\"train\": {\"tokens\": 0, \"documents\": 60}, \"val\": {\"tokens\": 0, \"documents\": 10}}}");
        return dir;
    }

    static ExperimentSpec spec(String resume) {
        return spec(resume, 0);
    }

    static ExperimentSpec spec(String resume, int interpretEvery) {
        ModelSpec m = new ModelSpec(1, 16, 2, 0, 12, ModelSpec.Positional.LEARNED, ModelSpec.Norm.NONE, ModelSpec.Mlp.NONE, 0, true, false, true, true, 0.02);
        TrainSpec t = new TrainSpec(1e-3, 0.9, 0.999, 1e-8, 0.01, false, false, TrainSpec.Schedule.WARMUP_COSINE, 3, 0.1, 1.0,
                4, 12, 1.0, 5, 2, 5, SpecChoice.of(TrainSpec.Resume.class, resume), 1, 0, "");
        InterpretSpec interpret = new InterpretSpec(true, List.of(), 2, interpretEvery, 20, true, 4096, 0);
        return new ExperimentSpec("t", "", "language-model", 5, null, null, m, t, null, interpret, null, null, Map.of());
    }

    static class Recording implements Tracker {
        final List<String> metrics = new ArrayList<>(), artifacts = new ArrayList<>();
        @Override public void logParams(Map<String, String> params) { }
        @Override public void logMetric(String key, double value, long step) { metrics.add(key + "@" + step); }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String dir) { artifacts.add(dir + "/" + file.getFileName()); }
        @Override public void flush() { }
        @Override public void close() { }
    }

    @Test
    void trainsWritesALoadableModelAndResumesFromTheStateDirectory(@TempDir Path tmp) throws Exception {
        Path tok = tokenized(tmp.resolve("tokenize"));
        Recording rec = new Recording();
        Path out = tmp.resolve("out1");
        Files.createDirectories(out);
        StageRuns.run(new TrainStage(), spec("none"), key -> new StageContext(key, Map.of("tokenize", tok), out, rec, Progress.NONE,
                RunLog.STDERR, tmp.resolve("state")));

        Transformer m = ModelIO.load(out.resolve("model"));
        assertEquals(40, m.cfg().dVocab());
        assertEquals(8, m.cfg().dHead());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("training.json").toFile());
        assertEquals(12, summary.path("steps").asLong());
        assertTrue(Double.isFinite(summary.path("final_val_loss").asDouble()));
        assertTrue(Files.exists(out.resolve("checkpoints/step-00000012/state.safetensors")));
        assertTrue(Files.exists(tmp.resolve("state/checkpoints/step-00000012/state.json")));
        assertTrue(rec.metrics.containsAll(List.of("train/loss@1", "train/lr@12", "train/grad_norm@12",
                "train/tokens_per_s@12", "val/loss@5", "val/loss@10", "val/loss@12", "val/ppl@12")));
        assertTrue(rec.artifacts.containsAll(List.of("train/model/model.safetensors", "train/model/config.json",
                "train/training.json")));

        // a second attempt with resume: latest finds the finished checkpoint and does no more steps
        Path out2 = tmp.resolve("out2");
        Files.createDirectories(out2);
        Recording rec2 = new Recording();
        StageRuns.run(new TrainStage(), spec("latest"), key -> new StageContext(key, Map.of("tokenize", tok), out2, rec2, Progress.NONE,
                RunLog.STDERR, tmp.resolve("state")));
        assertEquals(12, new ObjectMapper().readTree(out2.resolve("training.json").toFile()).path("resumed_from_step").asLong());
        // it replays the whole curve from the journal beside the checkpoints, each point once
        assertEquals(rec.metrics.stream().sorted().toList(), rec2.metrics.stream().sorted().toList());
        Transformer m2 = ModelIO.load(out2.resolve("model"));
        assertEquals(m.parameters().get("unembed.W_U"), m2.parameters().get("unembed.W_U"));
    }

    @Test
    void interpretEveryLogsHeadScoresDuringTrainingWithoutChangingTheWeights(@TempDir Path tmp) throws Exception {
        Path tok = tokenized(tmp.resolve("tokenize"));
        Recording probed = new Recording();
        Path out = Files.createDirectories(tmp.resolve("probed"));
        StageRuns.run(new TrainStage(), spec("none", 4), key -> new StageContext(key, Map.of("tokenize", tok), out, probed, Progress.NONE,
                RunLog.STDERR, null));
        for (long step : new long[] {0, 4, 8, 12}) {
            for (String head : List.of("L0H0", "L0H1")) {
                for (String score : List.of("prev_token", "duplicate_token", "induction")) {
                    assertTrue(probed.metrics.contains("heads/" + head + "/" + score + "@" + step), head + " " + score + "@" + step);
                }
            }
        }
        assertFalse(probed.metrics.stream().anyMatch(k -> k.startsWith("heads/") && k.endsWith("@5")));
        List<String> csv = Files.readAllLines(out.resolve("head_scores_by_step.csv"));
        assertEquals("step,layer,head,name,prev_token,duplicate_token,induction", csv.get(0));
        assertEquals(1 + 4 * 2, csv.size());                       // 4 probed steps x 2 heads
        assertTrue(csv.get(csv.size() - 1).startsWith("12,0,1,L0H1,"), csv.get(csv.size() - 1));
        assertTrue(Files.size(out.resolve("head_scores_by_step.png")) > 1000);
        assertTrue(probed.artifacts.containsAll(List.of("train/head_scores_by_step.csv", "train/head_scores_by_step.png")));

        // probing only looks: the same training without it ends with identical weights
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Recording rec = new Recording();
        StageRuns.run(new TrainStage(), spec("none", 0), key -> new StageContext(key, Map.of("tokenize", tok), plain, rec, Progress.NONE,
                RunLog.STDERR, null));
        assertFalse(rec.metrics.stream().anyMatch(k -> k.startsWith("heads/")));
        assertFalse(Files.exists(plain.resolve("head_scores_by_step.csv")));
        assertEquals(ModelIO.load(plain.resolve("model")).parameters().get("blocks.0.attn.W_Q"),
                ModelIO.load(out.resolve("model")).parameters().get("blocks.0.attn.W_Q"));
    }

    @Test
    void aResumedRunsMetricsAndHeadScoreTrajectoryCoverTheWholeTraining(@TempDir Path tmp) throws Exception {
        Path tok = tokenized(tmp.resolve("tokenize"));
        Path whole = Files.createDirectories(tmp.resolve("whole"));
        Recording wholeRec = new Recording();
        StageRuns.run(new TrainStage(), spec("latest", 4), key -> new StageContext(key, Map.of("tokenize", tok), whole, wholeRec,
                Progress.NONE, RunLog.STDERR, tmp.resolve("state-whole")));

        // killed after step 9: checkpoints at 5 (every 5), probes at 0, 4 and 8 already journaled
        Path killed = Files.createDirectories(tmp.resolve("killed"));
        Recording dies = new Recording() {
            @Override public void logMetric(String key, double value, long step) {
                if (key.startsWith("train/") && step >= 9) throw new IllegalStateException("killed");
                super.logMetric(key, value, step);
            }
        };
        assertThrows(IllegalStateException.class, () -> StageRuns.run(new TrainStage(), spec("latest", 4), key -> new StageContext(key,
                Map.of("tokenize", tok), killed, dies, Progress.NONE, RunLog.STDERR, tmp.resolve("state"))));
        Path resumed = Files.createDirectories(tmp.resolve("resumed"));
        Recording rec = new Recording();
        StageRuns.run(new TrainStage(), spec("latest", 4), key -> new StageContext(key, Map.of("tokenize", tok), resumed, rec,
                Progress.NONE, RunLog.STDERR, tmp.resolve("state")));
        assertEquals(5, new ObjectMapper().readTree(resumed.resolve("training.json").toFile()).path("resumed_from_step").asLong());
        // the run shows every metric of the whole training once: steps up to the checkpoint (5) replayed from
        // the journal, the probe at 8 and the train metrics of 6-8 logged again (the killed attempt's are dropped)
        assertEquals(wholeRec.metrics.stream().sorted().toList(), rec.metrics.stream().sorted().toList());
        assertTrue(rec.metrics.contains("heads/L0H0/induction@4") && rec.metrics.contains("val/loss@5"));
        // the resumed run's CSV holds steps 0, 4, 8 and 12, exactly as the uninterrupted run's
        assertEquals(Files.readAllLines(whole.resolve("head_scores_by_step.csv")),
                Files.readAllLines(resumed.resolve("head_scores_by_step.csv")));
    }

    @Test
    void missingTokenizeOutputIsAClearError(@TempDir Path tmp) {
        var e = assertThrows(java.io.IOException.class, () -> StageRuns.run(new TrainStage(), spec("none"), key -> new StageContext(key,
                Map.of("tokenize", tmp), tmp.resolve("out"), Tracker.NONE, Progress.NONE, RunLog.STDERR)));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
    }

    @Test
    void registeredAsTheTrainStage() {
        assertTrue(ServiceLoader.load(dev.attnlab.pipeline.Stage.class).stream()
                .anyMatch(p -> p.get().name().equals("train") && p.type() == TrainStage.class));
    }
}
