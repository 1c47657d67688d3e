package dev.attnlab.io;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

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
        // pid and thread keep concurrent writers of one file (a sweep's agents) off each other's temp file
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
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
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncFolder(parent);
        return file;
    }

    /** Makes the rename itself durable (Linux); where a folder cannot be opened, the rename is still atomic. */
    private static void syncFolder(Path folder) {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // not supported here (or interrupted): atomic but not yet durable, as before
        }
    }

    /** Replaces {@code file} with {@code text} in UTF-8. */
    public static Path writeString(Path file, String text) throws IOException {
        return write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
