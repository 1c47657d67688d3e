package dev.attnlab.data;

import dev.attnlab.pipeline.StageRuns;

import com.sun.net.httpserver.HttpServer;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tokenize.Gpt2Tokenizer;
import dev.attnlab.io.Hashing;
import dev.attnlab.tokenize.SharedData;
import dev.attnlab.tokenize.Tokenizer;
import dev.attnlab.tokenize.Tokenizers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Downloads against a local HTTP server: good archives, corrupt ones, HTTP errors and no server at all. */
class DownloaderTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/files/", ex -> {
            requests.incrementAndGet();
            String name = ex.getRequestURI().getPath().substring("/files/".length());
            byte[] body = served.get(name);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String mirror() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/files";
    }

    private Downloader downloader(String mirror) {
        return new Downloader(mirror, true, Progress.NONE, RunLog.STDERR);
    }

    /** A ustar .tar.gz of the given entries; a name over 100 bytes gets a GNU long-name entry. */
    static byte[] tarGz(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                if (name.length > 100) {
                    gz.write(tarHeader("././@LongLink", name.length + 1, 'L'));
                    gz.write(name);
                    gz.write(new byte[512 - name.length % 512]);
                }
                gz.write(tarHeader(e.getKey(), data.length, '0'));
                gz.write(data);
                if (data.length % 512 != 0) gz.write(new byte[512 - data.length % 512]);
            }
            gz.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static byte[] tarHeader(String name, long size, char type) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o\0", size));
        put(h, 136, "00000000000\0");
        put(h, 148, "        ");
        h[156] = (byte) type;
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        int sum = 0;
        for (byte b : h) sum += b & 0xFF;
        put(h, 148, String.format("%06o\0 ", sum));
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    static byte[] zip(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static Map<String, String> imdbEntries() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String split : List.of("train", "test")) {
            for (int k = 0; k < 10; k++) {
                m.put("aclImdb/" + split + "/pos/" + k + "_9.txt", split + " good movie " + k);
                m.put("aclImdb/" + split + "/neg/" + k + "_1.txt", split + " bad movie " + k);
            }
        }
        m.put("aclImdb/train/unsup/0_0.txt", "unlabelled: not unpacked");
        m.put("aclImdb/README", "readme");
        m.put("aclImdb/" + "x".repeat(120) + ".txt", "a long name, outside the kept folders");
        return m;
    }

    @Test
    void goodTarGzIsVerifiedUnpackedAndFetchedOnlyOnce() throws Exception {
        byte[] archive = tarGz(imdbEntries());
        served.put("test-imdb.tar.gz", archive);
        RemoteFile f = new RemoteFile("test-imdb.tar.gz", "https://example.invalid/test-imdb.tar.gz", Hashing.sha256(archive),
                archive.length, "tar.gz", "imdb", "", RemoteFile.of("imdb").keep());
        Path data = tmp.resolve("data");
        Path pos = data.resolve("imdb/aclImdb/train/pos");
        downloader(mirror()).ensure(f, data, List.of(pos), "IMDB test");
        assertEquals(1, requests.get());
        assertEquals("train good movie 3", Files.readString(pos.resolve("3_9.txt")));
        assertFalse(Files.exists(data.resolve("imdb/aclImdb/train/unsup")), "unsup is not unpacked");
        List<Path> all = filesUnder(data);
        assertEquals(41, all.size(), "40 reviews + README, no temp files left: " + all);
        downloader(mirror()).ensure(f, data, List.of(pos), "IMDB test");
        assertEquals(1, requests.get(), "present files are not fetched again");
        ImdbSource src = ImdbSource.find(data.resolve("imdb"), "auto");
        assertEquals("folder", src.variant());
        List<Document> docs = new ArrayList<>();
        src.read("train", docs::add);
        assertEquals(20, docs.size());
        assertEquals("train good movie 0", docs.get(0).text());
        assertEquals("neg", docs.get(1).label());
    }

    @Test
    void corruptDownloadOfTheRealCatalogEntryIsRejectedAndNotCached() throws Exception {
        byte[] archive = tarGz(imdbEntries()); // a valid archive, but not the bytes the catalog's sha256 pins
        served.put("aclImdb_v1.tar.gz", archive);
        Specs.Data b = new Specs.Data("imdb");
        Path data = tmp.resolve("data");
        b.dir = data.toString();
        DataException e = assertThrows(DataException.class,
                () -> DocumentSources.open(b.build(), 0, data, downloader(mirror())));
        String msg = e.getMessage();
        assertTrue(msg.contains("c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"), msg);
        assertTrue(msg.contains(Hashing.sha256(archive)), "names the sha256 it got: " + msg);
        assertTrue(msg.contains("aclImdb_v1.tar.gz") && msg.contains(data.resolve("imdb").toString()), msg);
        assertTrue(msg.contains("nothing was cached"), msg);
        assertEquals(List.of(), filesUnder(data), "no archive, no partial file, no unpacked file");
        // the next attempt downloads again rather than trusting anything left behind
        assertThrows(DataException.class, () -> DocumentSources.open(b.build(), 0, data, downloader(mirror())));
        assertEquals(2, requests.get());
    }

    @Test
    void truncatedArchiveWithTheRightNameIsRejected() throws Exception {
        byte[] good = tarGz(imdbEntries());
        byte[] cut = java.util.Arrays.copyOf(good, good.length / 2);
        served.put("x.tar.gz", cut);
        RemoteFile f = new RemoteFile("x.tar.gz", "https://example.invalid/x.tar.gz", Hashing.sha256(good), good.length,
                "tar.gz", "imdb", "", List.of());
        Path data = tmp.resolve("data");
        DataException e = assertThrows(DataException.class,
                () -> downloader(mirror()).ensure(f, data, List.of(data.resolve("imdb/aclImdb")), "test"));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        assertEquals(List.of(), filesUnder(data));
    }

    @Test
    void connectionRefusedSaysWhatToDownloadAndWhereToPutIt() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        Specs.Data b = new Specs.Data("wikitext");
        b.variant = "wikitext-2";
        Path data = tmp.resolve("data");
        DataException e = assertThrows(DataException.class,
                () -> DocumentSources.open(b.build(), 0, data, downloader("http://127.0.0.1:" + closedPort + "/files")));
        String msg = e.getMessage();
        assertTrue(msg.contains("cannot download") && msg.contains("offline"), msg);
        assertTrue(msg.contains("https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-raw-v1.zip"), msg);
        assertTrue(msg.contains("ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11"), msg);
        assertTrue(msg.contains(data.resolve("wikitext-2").toString()), msg);
        assertEquals(List.of(), filesUnder(data));
    }

    @Test
    void httpErrorIsReported() {
        RemoteFile f = new RemoteFile("absent.zip", "https://example.invalid/absent.zip", "00", 0, "zip", "w", "", List.of());
        DataException e = assertThrows(DataException.class,
                () -> downloader(mirror()).ensure(f, tmp, List.of(tmp.resolve("w/x")), "test"));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    }

    @Test
    void zipIsUnpackedWithItsTopFolderStrippedBesideExistingFiles() throws Exception {
        Path data = tmp.resolve("data");
        Path dir = Files.createDirectories(data.resolve("wikitext-2"));
        Files.writeString(dir.resolve("wiki.test.raw"), " kept: already here .\n");
        byte[] z = zip(Map.of("wikitext-2-raw/wiki.train.raw", " = T = \n \n Train para .\n",
                "wikitext-2-raw/wiki.valid.raw", " Valid para .\n",
                "wikitext-2-raw/wiki.test.raw", " Test para .\n"));
        served.put("w2.zip", z);
        RemoteFile f = new RemoteFile("w2.zip", "https://example.invalid/w2.zip", Hashing.sha256(z), z.length, "zip",
                "wikitext-2", "wikitext-2-raw/", List.of());
        WikiTextSource src = new WikiTextSource(dir, "wikitext-2", "raw", 0);
        downloader(mirror()).ensure(f, data, src.files(), "WikiText test");
        List<Document> train = new ArrayList<>();
        src.read("train", train::add);
        assertEquals(2, train.size());
        assertEquals(" kept: already here .\n", Files.readString(dir.resolve("wiki.test.raw")), "existing files are not replaced");
        assertEquals(3, filesUnder(data).size());
    }

    @Test
    void archiveEntriesOutsideTheTargetAreRefused() throws Exception {
        byte[] evil = tarGz(Map.of("../escape.txt", "x"));
        served.put("evil.tar.gz", evil);
        RemoteFile f = new RemoteFile("evil.tar.gz", "https://example.invalid/evil.tar.gz", Hashing.sha256(evil), 0,
                "tar.gz", "t", "", List.of());
        Path data = Files.createDirectories(tmp.resolve("data"));
        DataException e = assertThrows(DataException.class, () -> downloader(mirror()).ensure(f, data, List.of(data.resolve("t/x")), "test"));
        assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escape.txt")));
        assertEquals(List.of(), filesUnder(data));
    }

    @Test
    void disabledDownloadsFailWithoutNetwork() {
        Specs.Data b = new Specs.Data("imdb");
        b.download = false;
        DataException e = assertThrows(DataException.class, () -> DocumentSources.open(b.build(), 0, tmp,
                new Downloader(mirror(), false, Progress.NONE, RunLog.STDERR)));
        assertTrue(e.getMessage().contains("data.download is false") && e.getMessage().contains("aclImdb_v1.tar.gz"), e.getMessage());
        assertEquals(0, requests.get());
    }

    @Test
    void realVocabularyFilesPassTheCatalogChecksums() throws Exception {
        Path shared = SharedData.dir();
        served.put("encoder.json", Files.readAllBytes(shared.resolve("gpt2/encoder.json")));
        served.put("vocab.bpe", Files.readAllBytes(shared.resolve("gpt2/vocab.bpe")));
        served.put("vocab.txt", Files.readAllBytes(shared.resolve("bert-base-cased/vocab.txt")));
        Path data = tmp.resolve("data");
        Tokenizer gpt2 = Tokenizers.load("gpt2", "", false, data, downloader(mirror()));
        assertArrayEquals(new int[]{15496, 995}, gpt2.encode("Hello world"));
        assertTrue(gpt2 instanceof Gpt2Tokenizer);
        Tokenizer cased = Tokenizers.load("bert-base-cased", "", false, data, downloader(mirror()));
        assertEquals(28996, cased.vocabSize());
        // the uncased catalog entry pins a different sha256: serving the cased file under its name fails
        DataException e = assertThrows(DataException.class,
                () -> Tokenizers.load("bert-base-uncased", "", false, data, downloader(mirror())));
        assertTrue(e.getMessage().contains("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"), e.getMessage());
        assertFalse(Files.exists(data.resolve("bert-base-uncased/vocab.txt")));
    }

    @Test
    void ingestStageUsesTheMirrorProperty() throws Exception {
        served.put("aclImdb_v1.tar.gz", tarGz(imdbEntries()));
        Specs.Data b = new Specs.Data("imdb");
        b.dir = tmp.resolve("data").toString();
        System.setProperty(Downloader.MIRROR_PROPERTY, mirror());
        Path out = Files.createDirectories(tmp.resolve("out"));
        try {
            DataException e = assertThrows(DataException.class, () -> StageRuns.run(new IngestStage(),
                    Specs.experiment(b.build(), Specs.tokenizer("gpt2", "concat"), 0), key -> Specs.context(key, Map.of(),
                    out, dev.attnlab.tracking.Tracker.NONE)));
            assertTrue(e.getMessage().contains("expected"), e.getMessage());
            assertEquals(1, requests.get(), "the stage fetched from the mirror");
        } finally {
            System.clearProperty(Downloader.MIRROR_PROPERTY);
        }
    }
}
