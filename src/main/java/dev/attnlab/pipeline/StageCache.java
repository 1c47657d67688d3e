package dev.attnlab.pipeline;

import dev.attnlab.io.Directories;

import dev.attnlab.io.Hashing;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnlab.io.AtomicFiles;
import dev.attnlab.tracking.StageRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The content-addressed stage cache. An entry {@code entries/<stage>/<key>/} holds the stage's
 * outputs in {@code out/}, what it logged in {@code record.json}, and {@code manifest.json} with the
 * sha256 of every other file. Entries are built in {@code tmp/} and renamed into place in one atomic
 * step after the manifest is written, so a run killed at any moment leaves either no entry or a
 * complete one. A lookup re-hashes every file; an entry without a readable manifest, or with a file
 * that no longer matches it, is not trusted and gets recomputed.
 */
public final class StageCache {

    public static final String MANIFEST = "manifest.json";
    public static final String OUT = "out";
    /** In an entry: the {@link StageKey} its key hashes, so a later run can say what changed. */
    public static final String KEY_MATERIAL = "key.json";
    /** In a state directory: the runs that attempted the stage with it, one per line. */
    static final String ATTEMPTS = "attempts.txt";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final RunLog log;

    /** A verified entry. */
    public record Entry(Path dir, StageRecord record) {
        public Path outputDir() { return dir.resolve(OUT); }
    }

    /** What manifest.json holds. */
    public record Manifest(@JsonProperty("stage") String stage, @JsonProperty("key") String key,
                           @JsonProperty("version") int version, @JsonProperty("created") String created,
                           @JsonProperty("files") Map<String, FileHash> files) { }

    public record FileHash(@JsonProperty("sha256") String sha256, @JsonProperty("size") long size) { }

    public StageCache(Path root, RunLog log) {
        this.root = root.toAbsolutePath().normalize();
        this.log = log;
    }

    /** {@code $ATTNLAB_CACHE}, else {@code <projectDir>/.attnlab/cache}. */
    public static Path defaultRoot(Path projectDir) {
        String env = System.getenv("ATTNLAB_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : projectDir.resolve(".attnlab").resolve("cache");
    }

    public Path root() { return root; }

    public Path entryDir(String stage, String key) {
        return root.resolve("entries").resolve(stage).resolve(key);
    }

    /**
     * A directory that outlives failed attempts of one stage with one key (the train stage keeps its
     * periodic checkpoints there so a killed run can resume). Removed once the entry is published.
     */
    public Path stateDir(String stage, String key) {
        return root.resolve("state").resolve(stage).resolve(key);
    }

    /**
     * Whether an interrupted attempt left something to resume from in {@link #stateDir} (train's
     * checkpoints); the list of attempts kept there does not count.
     */
    public boolean hasResumableState(String stage, String key) {
        Path dir = stateDir(stage, key);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Path attempts = dir.resolve(ATTEMPTS);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(f -> Files.isRegularFile(f) && !f.equals(attempts));
        } catch (IOException | UncheckedIOException e) {
            return false; // a live run is pruning or publishing it right now
        }
    }

    /**
     * Records that {@code run} now attempts this stage and returns the earlier attempts whose state
     * it continues from, oldest first (empty when they left none). Call under {@link #lock}; the
     * list goes with the state directory when the entry is published.
     */
    public List<String> recordAttempt(String stage, String key, String run) throws IOException {
        Path file = Files.createDirectories(stateDir(stage, key)).resolve(ATTEMPTS);
        List<String> earlier = hasResumableState(stage, key) && Files.exists(file)
                ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
        List<String> all = new ArrayList<>(earlier);
        all.add(run);
        AtomicFiles.writeString(file, String.join("\n", all) + "\n");
        return earlier;
    }

    /** A verified entry, or empty when there is none or it cannot be trusted (then a warning says why). */
    public Optional<Entry> lookup(String stage, String key) {
        Path dir = entryDir(stage, key);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Optional<String> problem = verify(dir, true);
        if (problem.isPresent()) {
            log.warn("cache entry for stage '" + stage + "' (" + dir + ") is not trusted: " + problem.get()
                    + "; recomputing it");
            return Optional.empty();
        }
        try {
            return Optional.of(new Entry(dir, StageRecord.read(dir.resolve(StageRecord.FILE))));
        } catch (IOException e) {
            log.warn("cache entry for stage '" + stage + "' has an unreadable " + StageRecord.FILE + "; recomputing it");
            return Optional.empty();
        }
    }

    /** Cheap check for listings: a complete manifest whose files exist with the recorded sizes (no hashing). */
    public boolean looksCached(String stage, String key) {
        Path dir = entryDir(stage, key);
        return Files.isDirectory(dir) && verify(dir, false).isEmpty();
    }

    /** Why an entry cannot be trusted, or empty when it can. */
    private Optional<String> verify(Path dir, boolean hash) {
        Manifest manifest;
        try {
            manifest = JSON.readValue(dir.resolve(MANIFEST).toFile(), Manifest.class);
        } catch (IOException e) {
            return Optional.of("no valid " + MANIFEST + " (an interrupted or foreign write)");
        }
        if (manifest.files() == null) {
            return Optional.of(MANIFEST + " lists no files");
        }
        try {
            List<String> present = listFiles(dir);
            for (String rel : present) {
                if (!manifest.files().containsKey(rel)) {
                    return Optional.of("file " + rel + " is not in the manifest");
                }
            }
            for (Map.Entry<String, FileHash> f : manifest.files().entrySet()) {
                Path p = dir.resolve(f.getKey());
                if (!Files.isRegularFile(p)) {
                    return Optional.of("file " + f.getKey() + " is missing");
                }
                if (Files.size(p) != f.getValue().size()) {
                    return Optional.of("file " + f.getKey() + " has size " + Files.size(p) + ", manifest says "
                            + f.getValue().size());
                }
                if (hash && !Hashing.sha256(p).equals(f.getValue().sha256())) {
                    return Optional.of("file " + f.getKey() + " does not match its sha256 in the manifest");
                }
            }
        } catch (IOException e) {
            return Optional.of("cannot read it: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** What an entry's key hashed ({@link #KEY_MATERIAL}), when the entry is there and has it. */
    public Optional<StageKey> material(String stage, String key) {
        Path file = entryDir(stage, key).resolve(KEY_MATERIAL);
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), StageKey.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // an entry from before key.json, or damaged: nothing to compare with
        }
    }

    /** Starts building the entry of {@code material} in a fresh temporary directory. */
    public Pending begin(StageKey material) {
        String stage = material.stage(), key = material.key();
        try {
            Path tmp = root.resolve("tmp");
            Files.createDirectories(tmp);
            Path dir = tmp.resolve(stage + "-" + key.substring(0, 12) + "." + ProcessHandle.current().pid() + "."
                    + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(dir.resolve(OUT));
            return new Pending(material, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary cache directory under " + root, e);
        }
    }

    /** An entry being built; {@link #commit} publishes it, {@link #abandon} removes it. */
    public final class Pending {
        private final StageKey material;
        private final String stage;
        private final String key;
        private final Path dir;

        private Pending(StageKey material, Path dir) {
            this.material = material;
            this.stage = material.stage();
            this.key = material.key();
            this.dir = dir;
        }

        public Path outputDir() { return dir.resolve(OUT); }

        /**
         * Writes the record and the manifest, then renames the directory into place. If a valid entry
         * already exists (another run published the same key first) it is kept unless {@code replace}
         * (a forced rerun) is set.
         */
        public Entry commit(StageRecord record, boolean replace) throws IOException {
            record.write(dir.resolve(StageRecord.FILE));
            JSON.writeValue(dir.resolve(KEY_MATERIAL).toFile(), material);
            Map<String, FileHash> files = new TreeMap<>();
            for (String rel : listFiles(dir)) {
                Path p = dir.resolve(rel);
                files.put(rel, new FileHash(Hashing.sha256(p), Files.size(p)));
            }
            Path manifestTmp = dir.resolve(MANIFEST + ".tmp");
            JSON.writeValue(manifestTmp.toFile(), new Manifest(stage, key, material.version(), Instant.now().toString(), files));
            try (FileChannel ch = FileChannel.open(manifestTmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(manifestTmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);

            Path target = entryDir(stage, key);
            Files.createDirectories(target.getParent());
            if (Files.exists(target)) {
                Optional<Entry> existing = replace ? Optional.empty() : lookup(stage, key);
                if (existing.isPresent()) {
                    // Another run published the same key first; identical by construction, keep theirs.
                    abandon();
                    return existing.get();
                }
                Path trash = root.resolve("tmp").resolve("trash-" + UUID.randomUUID());
                Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
                Directories.deleteTree(trash);
            }
            try {
                Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the cache's tmp/ and entries/ must be on one file system: " + e.getMessage(), e);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                throw new IOException("cache entry " + target + " appeared while publishing it", e);
            }
            return new Entry(target, record);
        }

        public void abandon() {
            Directories.deleteTree(dir);
        }
    }

    /**
     * Serialises work on one key across threads and processes (parallel sweep trials), so a stage is
     * computed once and the others find it cached.
     */
    public AutoCloseable lock(String stage, String key) throws IOException {
        Path lockFile = root.resolve("locks").resolve(stage + "-" + key + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        jvmLock.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = ch.tryLock();
            if (fileLock == null) {
                log.info("waiting for another process computing stage '" + stage + "' with the same key");
                fileLock = ch.lock();
            }
            FileChannel channel = ch;
            FileLock held = fileLock;
            return () -> {
                try {
                    held.release();
                    channel.close();
                } finally {
                    jvmLock.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            jvmLock.unlock();
            throw e;
        }
    }

    /**
     * Deletes temporary directories whose owning process is gone (a killed run). Directories of live
     * processes are left alone: they may be computing right now.
     */
    public void removeOrphans() {
        Path tmp = root.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                String[] parts = name.split("\\.");
                boolean orphan = name.startsWith("trash-");
                if (parts.length == 3) {
                    try {
                        long pid = Long.parseLong(parts[1]);
                        orphan = ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                    } catch (NumberFormatException ignored) {
                        // not one of ours
                    }
                }
                if (orphan) {
                    log.info("removing an incomplete cache entry left by an interrupted run: " + name);
                    Directories.deleteTree(d);
                }
            }
        } catch (IOException e) {
            log.warn("cannot clean " + tmp + ": " + e.getMessage());
        }
    }

    /** Files under {@code dir} (relative, '/'-separated, sorted), excluding the manifest itself. */
    private static List<String> listFiles(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(p -> {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rel.equals(MANIFEST)) {
                    out.add(rel);
                }
            });
        }
        out.sort(null);
        return out;
    }

}
