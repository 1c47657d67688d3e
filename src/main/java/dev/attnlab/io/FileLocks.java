package dev.attnlab.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Non-blocking exclusive locks on files, between processes and between threads of this one. A lock
 * goes with its process, so a free lock on a file that only live processes hold means its owner died.
 *
 * <p>Why not {@code FileChannel.tryLock} alone: POSIX record locks belong to the process, and closing
 * any channel on the file releases them all. Probing a file this process already holds (tryLock
 * throws OverlappingFileLockException, then the probe's channel is closed) would silently drop the
 * real holder's lock. So files held here are known and never reopened.
 */
public final class FileLocks {

    private static final Set<Path> HELD_HERE = new HashSet<>();

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private FileLocks() { }

    /** Takes the lock on {@code file} (created if missing), or empty when any process, this one included, holds it. */
    public static Optional<Held> tryLock(Path file) throws IOException {
        synchronized (HELD_HERE) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!Files.exists(file)) {
                Files.newOutputStream(file, StandardOpenOption.CREATE).close();
            }
            Path key = file.toRealPath(); // one key however the path is spelled (symlinks included)
            if (HELD_HERE.contains(key)) {
                return Optional.empty();
            }
            FileChannel ch = FileChannel.open(key, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                // held by this process through a channel this class did not open: closing ours would
                // release that lock too, so this channel stays open (a rare, small leak, not a lost lock)
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close(); // held by another process: closing our channel cannot touch its lock
                return Optional.empty();
            }
            HELD_HERE.add(key);
            return Optional.of(new Held() {
                private boolean open = true;

                @Override
                public void close() {
                    synchronized (HELD_HERE) {
                        if (!open) {
                            return;
                        }
                        open = false;
                        try {
                            ch.close(); // releases the lock
                        } catch (IOException e) {
                            // the lock goes with the process anyway
                        }
                        HELD_HERE.remove(key);
                    }
                }
            });
        }
    }
}
