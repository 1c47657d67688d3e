package dev.attnlab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private long filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void replacesTheFileAndLeavesNoTemporaryBehind() throws IOException {
        Path f = dir.resolve("a/b/state.json"); // folders are created
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(1, filesIn(f.getParent()));
    }

    @Test
    void aWriteThatFailsHalfwayKeepsTheOldContent() throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.writeString(tmp, "half of the n");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(1, filesIn(dir), "the temporary file is removed");
    }

    @Test
    void anInterruptedThreadStillWrites() throws IOException {
        // an interrupted run writes its final state (run manifest, tags) on its way out
        Path f = dir.resolve("tags.json");
        Thread.currentThread().interrupt();
        try {
            AtomicFiles.writeString(f, "interrupted");
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
        }
        assertEquals("interrupted", Files.readString(f));
    }
}
