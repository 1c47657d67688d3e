package dev.attnlab.train;

import dev.attnlab.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetricJournalTest {

    /** Records key@step=value. */
    static final class Points implements Tracker {
        final List<String> seen = new ArrayList<>();
        @Override public void logParams(Map<String, String> params) { }
        @Override public void logMetric(String key, double value, long step) { seen.add(key + "@" + step + "=" + value); }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String dir) { }
        @Override public void flush() { }
        @Override public void close() { }
    }

    @Test
    void resumeReplaysUpToTheCheckpointSkipsATornLineAndDropsRepeats(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        Points first = new Points();
        MetricJournal killed = new MetricJournal(first, file);
        killed.startFresh();
        for (long step = 1; step <= 7; step++) killed.logMetric("train/loss", 10.0 / step, step);
        killed.logMetric("val/loss", 2.5, 5);
        killed.close();
        Files.writeString(file, Files.readString(file) + "{\"key\":\"train/loss\",\"val", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING); // torn by the kill

        Points resumed = new Points();
        MetricJournal journal = new MetricJournal(resumed, file);
        assertEquals(6, journal.resumeAt(5)); // steps 1-5 and val@5; 6, 7 and the torn line are dropped
        assertEquals(List.of("train/loss@1=10.0", "train/loss@2=5.0", "train/loss@3=3.3333333333333335",
                "train/loss@4=2.5", "train/loss@5=2.0", "val/loss@5=2.5"), resumed.seen);
        journal.logMetric("val/loss", 2.5, 5);   // logged again after the resume: already on the run
        journal.logMetric("train/loss", 1.6, 6);
        journal.close();
        assertEquals(7, resumed.seen.size());
        assertEquals("train/loss@6=1.6", resumed.seen.get(6));

        // the journal now holds the resumed attempt's curve only, ready for another resume
        Points again = new Points();
        assertEquals(7, new MetricJournal(again, file).resumeAt(6));
        assertEquals(resumed.seen, again.seen);
    }
}
