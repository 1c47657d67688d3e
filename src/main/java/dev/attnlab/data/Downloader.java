package dev.attnlab.data;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.io.Hashing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fetches a missing {@link RemoteFile} once into the data directory: download with progress into a
 * temp file beside the target, verify its sha256, unpack into a temp folder, and only then move the
 * files into place. A failed or corrupt download leaves nothing behind. The base address can be
 * replaced by a mirror (system property {@code attnlab.download.mirror} or env
 * {@code ATTNLAB_DOWNLOAD_MIRROR}): the file is then fetched from {@code <mirror>/<file name>}.
 */
public final class Downloader {

    public static final String MIRROR_PROPERTY = "attnlab.download.mirror";
    public static final String MIRROR_ENV = "ATTNLAB_DOWNLOAD_MIRROR";

    private final String mirror;
    private final boolean enabled;
    private final Progress progress;
    private final RunLog log;

    public Downloader(String mirror, boolean enabled, Progress progress, RunLog log) {
        this.mirror = mirror == null || mirror.isBlank() ? null : mirror.replaceAll("/+$", "");
        this.enabled = enabled;
        this.progress = progress;
        this.log = log;
    }

    /** A downloader using the mirror from the system property / environment, if any. */
    public static Downloader fromEnvironment(boolean enabled, Progress progress, RunLog log) {
        String m = System.getProperty(MIRROR_PROPERTY);
        if (m == null) m = System.getenv(MIRROR_ENV);
        return new Downloader(m, enabled, progress, log);
    }

    public URI address(RemoteFile f) {
        return URI.create(mirror == null ? f.url() : mirror + "/" + f.fileName());
    }

    /**
     * Makes sure every file in {@code required} exists, fetching and unpacking {@code f} into
     * {@code dataDir/f.targetDir()} when one is missing.
     *
     * @param what what the files are, for messages, e.g. "IMDB (data.source: imdb)"
     */
    public void ensure(RemoteFile f, Path dataDir, List<Path> required, String what) throws DataException {
        List<Path> missing = required.stream().filter(p -> !Files.exists(p)).toList();
        if (missing.isEmpty()) return;
        Path target = dataDir.resolve(f.targetDir());
        if (!enabled) {
            throw new DataException(what + ": " + missing.get(0) + " is missing and data.download is false. "
                    + howToPlace(f, target) + " Or set data.download: true to fetch it.");
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new DataException(what + ": cannot create the data folder " + target + " (" + e.getMessage()
                    + "). Set data.dir or $ATTNLAB_DATA to a writable folder.", e);
        }
        Path tmp = null, unpack = null;
        try {
            tmp = Files.createTempFile(target, "." + f.fileName() + ".", ".part");
            fetch(f, tmp, what, target);
            unpack = Files.createTempDirectory(target, ".unpack-");
            int n = unpackInto(f, tmp, unpack);
            List<Path> placed = moveIntoPlace(unpack, target);
            log.info("data: " + f.fileName() + " verified (sha256 " + f.sha256().substring(0, 12) + "…), "
                    + n + " files unpacked, " + placed.size() + " placed under " + target);
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw new DataException(what + ": unpacking " + f.fileName() + " into " + target + " failed (" + e.getMessage() + "). "
                    + howToPlace(f, target), e);
        } finally {
            deleteQuietly(tmp);
            deleteQuietly(unpack);
        }
        List<Path> still = required.stream().filter(p -> !Files.exists(p)).toList();
        if (!still.isEmpty()) {
            throw new DataException(what + ": " + f.fileName() + " was fetched and verified but has no " + still.get(0)
                    + ". " + howToPlace(f, target));
        }
    }

    private void fetch(RemoteFile f, Path tmp, String what, Path target) throws DataException {
        URI uri = address(f);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).GET().build();
        MessageDigest md = Hashing.sha256();
        long got = 0;
        try {
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new DataException(what + ": downloading " + uri + " failed with HTTP " + resp.statusCode()
                            + ". " + howToPlace(f, target));
                }
                long total = resp.headers().firstValueAsLong("Content-Length").orElse(f.size() > 0 ? f.size() : -1);
                log.info("data: downloading " + uri + " → " + target);
                try (OutputStream out = Files.newOutputStream(tmp);
                     Progress.Task task = progress.start("download " + f.fileName(), total, "B")) {
                    byte[] buf = new byte[1 << 16];
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        out.write(buf, 0, r);
                        md.update(buf, 0, r);
                        got += r;
                        task.step(r);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException(what + ": download of " + uri + " interrupted. " + howToPlace(f, target), e);
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
            throw new DataException(what + ": cannot download " + uri + " (" + reason + ") — offline? "
                    + howToPlace(f, target), e);
        }
        String sha = HexFormat.of().formatHex(md.digest());
        if (!sha.equalsIgnoreCase(f.sha256())) {
            throw new DataException(what + ": the download of " + uri + " (" + got + " bytes) has sha256 " + sha
                    + " but " + f.sha256() + " was expected; it was discarded, nothing was cached. "
                    + howToPlace(f, target));
        }
    }

    private static int unpackInto(RemoteFile f, Path archive, Path dir) throws IOException {
        return switch (f.archive()) {
            case "file" -> {
                Files.copy(archive, dir.resolve(f.fileName()));
                yield 1;
            }
            case "tar.gz" -> Archives.extractTarGz(archive, e -> place(f, dir, e));
            case "zip" -> Archives.extractZip(archive, e -> place(f, dir, e));
            default -> throw new IllegalArgumentException("archive kind " + f.archive());
        };
    }

    private static Path place(RemoteFile f, Path dir, String entry) {
        String rel = f.placement(entry);
        return rel == null ? null : dir.resolve(rel);
    }

    /** Moves every unpacked file to the same relative path under {@code target}, keeping files already there. */
    private static List<Path> moveIntoPlace(Path unpack, Path target) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(unpack)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        List<Path> placed = new ArrayList<>();
        for (Path src : files) {
            Path dst = target.resolve(unpack.relativize(src).toString());
            if (Files.exists(dst)) continue;
            Files.createDirectories(dst.getParent());
            try {
                Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(src, dst);
            }
            placed.add(dst);
        }
        return placed;
    }

    private static String howToPlace(RemoteFile f, Path target) {
        String unpack = switch (f.archive()) {
            case "file" -> "save it as " + target.resolve(f.fileName());
            case "tar.gz" -> "unpack it into " + target + " (giving " + target.resolve(f.keep().isEmpty() ? "" : f.keep().get(0)) + "...)";
            default -> "unpack its " + f.stripPrefix() + "* files into " + target;
        };
        return "To provide it by hand: download " + f.url() + " (sha256 " + f.sha256() + ") and " + unpack
                + "; or point data.dir / $ATTNLAB_DATA at a folder that already has it.";
    }

    private static void deleteQuietly(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is named .*.part / .unpack-* and never read
                }
            });
        } catch (IOException ignored) {
            // best effort, see above
        }
    }
}
