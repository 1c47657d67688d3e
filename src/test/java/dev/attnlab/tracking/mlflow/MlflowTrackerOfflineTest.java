package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;
import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No server at all: everything must land in the journal, cut within MLflow's request limits. */
class MlflowTrackerOfflineTest {

    @Test
    void everythingIsJournaledInBatchesWithinTheServerLimits(@TempDir Path runDir) throws Exception {
        List<String> warnings = new ArrayList<>();
        RunLog log = new RunLog() {
            @Override public void info(String m) { }
            @Override public void warn(String m) { warnings.add(m); }
        };
        String dead = "http://127.0.0.1:" + MlflowServers.freePort();
        Map<String, String> env = MlflowServers.env(dead);
        env.put(MlflowSettings.ENV_TOKEN, "never-shown-token");
        Tracker t = new MlflowBackend(env, MlflowServers.FAST).open(
                MlflowServers.spec("offline", "", null, null), runDir, Map.of("mlflow.parentRunId", "p1"), log);
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < 250; i++) {
            params.put("p" + i, "v" + i);
        }
        t.logParams(params);
        t.logParams(Map.of("p0", "changed")); // write-once: warned, not sent
        for (int i = 0; i < 130; i++) {
            t.setTag("t" + i, "x");
        }
        for (int s = 0; s < 3500; s++) {
            t.logMetric("train/loss", s, s);
        }
        t.logMetric("train/grad_norm", Double.NaN, 1);
        t.setTag(RunStatus.TAG, RunStatus.FAILED);
        t.close();

        int metrics = 0;
        Set<String> paramKeys = new HashSet<>();
        Set<String> tagKeys = new HashSet<>();
        String end = null;
        JsonNode create = null;
        boolean nanSeen = false;
        for (String line : Files.readAllLines(runDir.resolve("mlflow/journal.jsonl"))) {
            JsonNode e = Journal.JSON.readTree(line);
            switch (e.path("type").asText()) {
                case "create_run" -> create = e;
                case "batch" -> {
                    int m = e.path("metrics").size();
                    int p = e.path("params").size();
                    int g = e.path("tags").size();
                    assertTrue(m <= 1000 && p <= 100 && g <= 100 && m + p + g <= 1000, "batch " + line.length());
                    metrics += m;
                    e.path("params").fieldNames().forEachRemaining(paramKeys::add);
                    e.path("tags").fieldNames().forEachRemaining(tagKeys::add);
                    for (JsonNode point : e.path("metrics")) {
                        nanSeen |= "NaN".equals(point.get(1).asText());
                    }
                }
                case "end" -> end = e.path("status").asText();
                default -> { }
            }
        }
        assertEquals("offline", create.path("experiment").asText(), "experiment defaults to the spec name");
        assertEquals("p1", create.path("tags").path("mlflow.parentRunId").asText());
        assertTrue(create.path("run_name").asText().startsWith("offline-"));
        assertTrue(metrics >= 3501, "all metrics journaled (plus system metrics): " + metrics);
        assertTrue(nanSeen, "NaN survives the journal");
        assertEquals(250, paramKeys.size());
        assertTrue(tagKeys.size() >= 131);
        assertEquals("FAILED", end);
        assertTrue(warnings.stream().anyMatch(w -> w.contains("param p0 was already logged")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("attnlab sync")), warnings.toString());
        assertTrue(warnings.stream().noneMatch(w -> w.contains("never-shown-token")));
        assertTrue(Files.readString(runDir.resolve("mlflow/journal.jsonl")).indexOf("never-shown-token") < 0);
    }
}
