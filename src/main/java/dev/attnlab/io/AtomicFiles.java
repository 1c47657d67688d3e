package dev.attnlab.io;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files replaced whole: the content goes to a sibling temporary file, is flushed to disk, and is
 * renamed over the target. A reader (or a run resumed after a kill) sees the old content or the
 * new, never a half-written file.
 */
public final class AtomicFiles {

    /** Writes the content to the temporary file it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    private AtomicFiles() { }

    /** Replaces {@code file} with what {@code content} writes; creates its folder if missing. */
    public static Path write(Path file, Content content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // the pid keeps two processes writing the same file (a sweep's agents) off each other's temp file
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            content.writeTo(tmp);
            // a stream's sync, not FileChannel.force: a channel closes itself when the thread is interrupted,
            // and an interrupted run still writes its final state
            try (FileOutputStream out = new FileOutputStream(tmp.toFile(), true)) {
                out.getFD().sync();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** Replaces {@code file} with {@code text} in UTF-8. */
    public static Path writeString(Path file, String text) throws IOException {
        return write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
