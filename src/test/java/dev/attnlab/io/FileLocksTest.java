package dev.attnlab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileLocksTest {

    @TempDir
    Path dir;

    /** Another process's view of the lock: "held" or "free". */
    public static void main(String[] args) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            System.out.print(lock == null ? "held" : "free");
        }
    }

    private static String seenFromAnotherProcess(Path file) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                FileLocksTest.class.getName(), file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes()).trim();
    }

    @Test
    void probingALockThisProcessHoldsLeavesItHeld() throws Exception {
        Path f = dir.resolve("run/.lock");
        Optional<FileLocks.Held> first = FileLocks.tryLock(f);
        assertTrue(first.isPresent());
        // a second attempt from this process (a later run in the same JVM checking its siblings) must
        // not reopen the file: closing that channel would drop the first lock (POSIX)
        assertTrue(FileLocks.tryLock(f).isEmpty());
        assertEquals("held", seenFromAnotherProcess(f));

        first.get().close();
        assertEquals("free", seenFromAnotherProcess(f));
        try (FileLocks.Held again = FileLocks.tryLock(f).orElseThrow()) {
            assertEquals("held", seenFromAnotherProcess(f));
        }
    }

    @Test
    void theSameFileThroughASymlinkIsTheSameLock() throws Exception {
        Path real = java.nio.file.Files.createDirectories(dir.resolve("runs"));
        Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("runs-link"), real);
        try (FileLocks.Held held = FileLocks.tryLock(real.resolve(".lock")).orElseThrow()) {
            assertTrue(FileLocks.tryLock(link.resolve(".lock")).isEmpty());
            assertEquals("held", seenFromAnotherProcess(real.resolve(".lock")));
        }
    }
}
