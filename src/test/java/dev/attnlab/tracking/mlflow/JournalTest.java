package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {

    private static ObjectNode body(String k, int v) {
        ObjectNode n = Journal.JSON.createObjectNode();
        n.put(k, v);
        return n;
    }

    @Test
    void entriesGetSequenceNumbersAndStayUntilAcknowledged(@TempDir Path run) throws Exception {
        try (Journal j = Journal.open(run)) {
            assertEquals(1, j.append("create_run", body("a", 1)).seq());
            assertEquals(2, j.append("batch", body("b", 2)).seq());
            assertEquals(3, j.append("end", body("c", 3)).seq());
            j.ack(1, "ok");
            j.ack(3, "rejected");
            List<Journal.Entry> left = j.unacked();
            assertEquals(1, left.size());
            assertEquals(2, left.get(0).seq());
            assertEquals("batch", left.get(0).type());
            assertEquals(2, left.get(0).body().path("b").asInt());
        }
        assertTrue(Journal.hasUnacked(run));
        try (Journal j = Journal.open(run)) { // reopened: numbering continues
            assertEquals(4, j.append("batch", body("d", 4)).seq());
            j.ack(2, "ok");
            j.ack(4, "ok");
        }
        assertFalse(Journal.hasUnacked(run));
        assertEquals("create_run", Journal.firstEntry(run).orElseThrow().type());
    }

    @Test
    void aLineTornByACrashIsIgnored(@TempDir Path run) throws Exception {
        try (Journal j = Journal.open(run)) {
            j.append("batch", body("a", 1));
        }
        Files.writeString(run.resolve("mlflow/journal.jsonl"), "{\"seq\":2,\"type\":\"ba", StandardOpenOption.APPEND);
        Files.writeString(run.resolve("mlflow/acked.log"), "1 o", StandardOpenOption.APPEND);
        try (Journal j = Journal.open(run)) {
            assertEquals(1, j.unacked().size(), "the torn ack does not count");
            assertEquals(2, j.append("batch", body("b", 2)).seq(), "the torn entry was never sent: its seq is reused");
            j.ack(1, "ok");
        }
        try (Journal j = Journal.open(run)) {
            List<Journal.Entry> left = j.unacked();
            assertEquals(1, left.size(), "the entry appended after the torn line is intact");
            assertEquals(2, left.get(0).body().path("b").asInt());
        }
    }

    @Test
    void oneProcessAtATime(@TempDir Path run) throws Exception {
        try (Journal j = Journal.open(run)) {
            assertThrows(Journal.BusyException.class, () -> Journal.open(run));
        }
        Journal.open(run).close(); // released
    }

    @Test
    void runReferenceSurvivesReopen(@TempDir Path run) throws Exception {
        try (Journal j = Journal.open(run)) {
            assertTrue(j.runRef().isEmpty());
            j.saveRunRef(new Journal.RunRef("4", "abc", "mlflow-artifacts:/4/abc/artifacts"));
        }
        try (Journal j = Journal.open(run)) {
            assertEquals("abc", j.runRef().orElseThrow().runId());
            assertEquals("mlflow-artifacts:/4/abc/artifacts", j.runRef().orElseThrow().artifactUri());
        }
    }
}
