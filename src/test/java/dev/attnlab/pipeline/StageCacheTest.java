package dev.attnlab.pipeline;

import dev.attnlab.tracking.StageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StageCacheTest {

    private static final StageKey MATERIAL = new StageKey("s", 1, java.util.Map.of("x", 1L), java.util.Map.of());
    private static final String KEY = MATERIAL.key();
    private static final StageRecord RECORD = new StageRecord(Map.of("p", "1"), Map.of(),
            List.of(new StageRecord.Metric("m", Double.NaN, 3)), List.of(new StageRecord.Artifact("f.txt", "s")));

    @TempDir
    Path root;

    private final List<String> warnings = new ArrayList<>();
    private final RunLog log = new RunLog() {
        @Override public void info(String message) { }
        @Override public void warn(String message) { warnings.add(message); }
    };

    private StageCache.Entry publish(StageCache cache, String content) throws Exception {
        StageCache.Pending p = cache.begin(MATERIAL);
        Files.writeString(p.outputDir().resolve("f.txt"), content);
        return p.commit(RECORD, false);
    }

    @Test
    void publishedEntryIsFoundWithItsRecord() throws Exception {
        StageCache cache = new StageCache(root, log);
        assertTrue(cache.lookup("s", KEY).isEmpty());
        publish(cache, "hello");
        StageCache.Entry e = cache.lookup("s", KEY).orElseThrow();
        assertEquals("hello", Files.readString(e.outputDir().resolve("f.txt")));
        assertEquals(3, e.record().metrics().get(0).step());
        assertTrue(Double.isNaN(e.record().metrics().get(0).value()));
        assertTrue(cache.looksCached("s", KEY));
        assertEquals(List.of(), warnings);
        try (var s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count(), "nothing left in tmp/");
        }
    }

    @Test
    void attemptsAreListedOnlyWhileTheyLeaveStateToContinueFrom() throws Exception {
        StageCache cache = new StageCache(root, log);
        assertEquals(List.of(), cache.recordAttempt("s", KEY, "runs/x/1"), "a first attempt continues nothing");
        assertFalse(cache.hasResumableState("s", KEY), "the list of attempts alone is nothing to resume from");
        assertEquals(List.of(), cache.recordAttempt("s", KEY, "runs/x/2"), "attempt 1 left no state");

        Path ckpt = Files.createDirectories(cache.stateDir("s", KEY).resolve("checkpoints/step-5"));
        Files.writeString(ckpt.resolve("state.json"), "{}");
        assertTrue(cache.hasResumableState("s", KEY));
        assertEquals(List.of("runs/x/2"), cache.recordAttempt("s", KEY, "runs/x/3"));
        assertEquals(List.of("runs/x/2", "runs/x/3"), cache.recordAttempt("s", KEY, "/elsewhere/runs/x/4"));
    }

    @Test
    void untrustedEntriesAreIgnoredWithAReason() throws Exception {
        StageCache cache = new StageCache(root, log);
        StageCache.Entry e = publish(cache, "hello");

        Files.writeString(e.outputDir().resolve("extra.txt"), "x");
        assertTrue(cache.lookup("s", KEY).isEmpty());
        Files.delete(e.outputDir().resolve("extra.txt"));
        assertTrue(cache.lookup("s", KEY).isPresent());

        Files.writeString(e.outputDir().resolve("f.txt"), "HELLO"); // same size
        assertTrue(cache.lookup("s", KEY).isEmpty());
        assertTrue(cache.looksCached("s", KEY), "the cheap check only compares sizes");

        Files.delete(e.outputDir().resolve("f.txt"));
        assertTrue(cache.lookup("s", KEY).isEmpty());
        Files.delete(e.dir().resolve(StageCache.MANIFEST));
        assertTrue(cache.lookup("s", KEY).isEmpty());
        assertFalse(cache.looksCached("s", KEY));

        assertEquals(4, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("file out/extra.txt is not in the manifest"), warnings.get(0));
        assertTrue(warnings.get(1).contains("file out/f.txt does not match its sha256 in the manifest"), warnings.get(1));
        assertTrue(warnings.get(2).contains("file out/f.txt is missing"), warnings.get(2));
        assertTrue(warnings.get(3).contains("no valid manifest.json"), warnings.get(3));

        // Publishing again replaces the broken entry.
        publish(cache, "again");
        assertEquals("again", Files.readString(cache.lookup("s", KEY).orElseThrow().outputDir().resolve("f.txt")));
    }

    @Test
    void aValidEntryPublishedConcurrentlyIsKeptUnlessReplacing() throws Exception {
        StageCache cache = new StageCache(root, log);
        StageCache.Pending late = cache.begin(MATERIAL);
        Files.writeString(late.outputDir().resolve("f.txt"), "late");
        publish(cache, "first");
        late.commit(RECORD, false);
        assertEquals("first", Files.readString(cache.lookup("s", KEY).orElseThrow().outputDir().resolve("f.txt")));

        StageCache.Pending forced = cache.begin(MATERIAL);
        Files.writeString(forced.outputDir().resolve("f.txt"), "forced");
        forced.commit(RECORD, true);
        assertEquals("forced", Files.readString(cache.lookup("s", KEY).orElseThrow().outputDir().resolve("f.txt")));
    }

    @Test
    void orphanTempDirsOfDeadProcessesAreRemovedLiveOnesKept() throws Exception {
        StageCache cache = new StageCache(root, log);
        Path dead = Files.createDirectories(root.resolve("tmp/s-aaaaaaaaaaaa.999999999.0000"));
        StageCache.Pending live = cache.begin(MATERIAL);
        cache.removeOrphans();
        assertFalse(Files.exists(dead));
        assertTrue(Files.isDirectory(live.outputDir()), "a running stage's directory is not touched");
    }
}
