package dev.attnlab.sweep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The sweep directory's {@code state.json}, changed only in transactions: an exclusive lock on
 * {@code state.lock} (between processes) and a monitor per directory (between threads), then
 * read, modify, write to a temporary file, fsync, and atomically rename over the old state. A
 * process killed at any moment leaves either the old or the new state, never half of one; two
 * sweep processes on the same directory never claim the same trial.
 */
public final class SweepStore {

    private static final Map<Path, Object> MONITORS = new ConcurrentHashMap<>();
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final Path stateFile;
    private final Path lockFile;
    private final Object monitor;

    public SweepStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.stateFile = this.dir.resolve("state.json");
        this.lockFile = this.dir.resolve("state.lock");
        this.monitor = MONITORS.computeIfAbsent(this.dir, d -> new Object());
    }

    public Path dir() {
        return dir;
    }

    public boolean exists() {
        return Files.isRegularFile(stateFile);
    }

    /** This process as a trial owner: {@code pid@host}. */
    public static String self() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return ProcessHandle.current().pid() + "@" + host;
    }

    static String now() {
        return Instant.now().toString();
    }

    /** Reads the state (empty if none) without changing it. */
    public Optional<SweepState> read() {
        return Optional.ofNullable(transact(s -> s));
    }

    /**
     * Runs {@code change} on the current state (null if none yet) and saves what it returns
     * (null = nothing to save); returns that state.
     */
    public SweepState transact(Function<SweepState, SweepState> change) {
        synchronized (monitor) {
            try {
                Files.createDirectories(dir);
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = ch.lock()) {
                    SweepState before = load();
                    String oldText = before == null ? null : JSON.writeValueAsString(before);
                    SweepState after = change.apply(before);
                    if (after != null) {
                        String newText = JSON.writeValueAsString(after);
                        if (!newText.equals(oldText)) {
                            write(newText);
                        }
                    }
                    return after;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("sweep state " + stateFile + ": " + e.getMessage(), e);
            }
        }
    }

    private SweepState load() throws IOException {
        if (!Files.isRegularFile(stateFile)) {
            return null;
        }
        try {
            return JSON.readValue(stateFile.toFile(), SweepState.class);
        } catch (IOException e) {
            throw new IOException("unreadable (" + e.getMessage().lines().findFirst().orElse("") + "); it is only"
                    + " replaced atomically, so it was edited by hand: fix it or move the folder away", e);
        }
    }

    private void write(String text) throws IOException {
        AtomicFiles.writeString(stateFile, text);
    }
}
