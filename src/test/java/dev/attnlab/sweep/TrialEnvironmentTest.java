package dev.attnlab.sweep;

import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrialEnvironmentTest {

    @TempDir
    Path dir;

    @Test
    void outsideASweepNothingIsAdded() {
        assertEquals(Map.of(), TrialEnvironment.runTags(Map.of()));
        assertTrue(TrialEnvironment.metricReport(Map.of()).isEmpty());
    }

    @Test
    void runTagsRoundTripAndBadJsonIsNamed() {
        Map<String, String> tags = Map.of("mlflow.parentRunId", "abc", "attnlab.trial", "trial-0001");
        assertEquals(tags, TrialEnvironment.runTags(Map.of(TrialEnvironment.RUN_TAGS, TrialEnvironment.encodeTags(tags))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrialEnvironment.runTags(Map.of(TrialEnvironment.RUN_TAGS, "{not json")));
        assertTrue(e.getMessage().startsWith("ATTNLAB_RUN_TAGS is not a JSON object of strings"), e.getMessage());
    }

    @Test
    void metricReportAppendsOneJsonLinePerMetricThatTheRunnerReads() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        try (Tracker t = TrialEnvironment.metricReport(Map.of(TrialEnvironment.METRIC_REPORT, file.toString())).orElseThrow()) {
            t.logMetric("val/loss", 3.5, 100);
            t.logMetric("train/loss", Double.NaN, 101);
            t.setTag("ignored", "x");
        }
        assertEquals(List.of("{\"key\":\"val/loss\",\"value\":3.5,\"step\":100}",
                "{\"key\":\"train/loss\",\"value\":\"NaN\",\"step\":101}"), Files.readAllLines(file));
        try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(file.toFile(), "r")) {
            var lines = new ProcessTrialRunner.ReportReader(in).newLines();
            assertEquals(2, lines.size());
            assertEquals(3.5, lines.get(0).path("value").asDouble());
            assertTrue(!lines.get(1).path("value").isNumber(), "non-finite values are not numbers: the sweep skips them");
        }
    }

    @Test
    void reportReaderWaitsForTheNewlineOfAPartialLine() throws Exception {
        Path file = dir.resolve("partial.jsonl");
        Files.writeString(file, "{\"key\":\"a\",\"value\":1,\"step\":1}\n{\"key\":\"b\",");
        try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(file.toFile(), "r")) {
            ProcessTrialRunner.ReportReader reader = new ProcessTrialRunner.ReportReader(in);
            assertEquals(1, reader.newLines().size());
            Files.writeString(file, "\"value\":2,\"step\":2}\n", java.nio.file.StandardOpenOption.APPEND);
            var rest = reader.newLines();
            assertEquals(1, rest.size());
            assertEquals("b", rest.get(0).path("key").asText());
        }
    }
}
