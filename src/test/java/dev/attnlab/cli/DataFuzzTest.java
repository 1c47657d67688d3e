package dev.attnlab.cli;

import dev.attnlab.data.IngestStage;
import dev.attnlab.pipeline.FakeStage;
import dev.attnlab.pipeline.Stage;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.pipeline.TestProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded broken data files through {@code attnlab run --until ingest} with the real ingest stage:
 * every answer is exit code 0, 1 or 2 with no Java frame, an error names the file (and for bytes
 * that do not decode, the line and data.encoding), and each finishes in under 5 s.
 */
class DataFuzzTest {

    private static final long SEED = 19;
    private static final int ROUNDS = 6; // each round writes one file of every kind
    private static final long LIMIT_MS = 5_000;

    @TempDir
    Path tmp;

    /** What kind of file, its extension, and whether ingest must refuse it. */
    private record Broken(String kind, String ext, byte[] bytes, Expect expect) { }

    private enum Expect { READ, UNDECODABLE, FAILS, WARNS }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Enough lines that a held-out split of a tenth has documents. */
    private static String lines(Random r, int n, String format) {
        StringBuilder s = new StringBuilder(format.equals("csv") ? "text,label\n" : "");
        for (int i = 0; i < n; i++) {
            String t = "document " + i + " word" + r.nextInt(1000);
            s.append(switch (format) {
                case "csv" -> t + "," + (i % 2) + "\n";
                case "jsonl" -> "{\"text\": \"" + t + "\"}\n";
                default -> t + "\n";
            });
        }
        return s.toString();
    }

    private List<Broken> generate(Random r) {
        List<Broken> out = new ArrayList<>();
        byte latin = (byte) (0x80 + r.nextInt(0x80));
        int bad = 1 + r.nextInt(60);
        for (String ext : List.of("txt", "csv", "jsonl")) {
            String before = lines(r, bad, ext);
            String after = lines(r, 30, ext).replace("text,label\n", "");
            byte[] inText = ext.equals("jsonl") ? cat(utf8("{\"text\": \"caf"), new byte[] {latin}, utf8("\"}\n"))
                    : cat(utf8("caf"), new byte[] {latin}, utf8(ext.equals("csv") ? ",1\n" : "\n"));
            out.add(new Broken("latin-1 byte", ext, cat(utf8(before), inText, utf8(after)), Expect.UNDECODABLE));
            out.add(new Broken("utf-16", ext, cat(new byte[] {(byte) 0xFF, (byte) 0xFE},
                    lines(r, 30, ext).getBytes(StandardCharsets.UTF_16LE)), Expect.UNDECODABLE));
            out.add(new Broken("utf-8 bom", ext, cat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                    utf8(lines(r, 30, ext))), Expect.READ));
            out.add(new Broken("empty", ext, new byte[0], Expect.FAILS));
            out.add(new Broken("truncated utf-8", ext, cat(utf8(lines(r, 30, ext)), new byte[] {(byte) 0xE2, (byte) 0x82}),
                    Expect.UNDECODABLE));
        }
        byte[] noise = new byte[200 + r.nextInt(4000)];
        r.nextBytes(noise);
        noise[r.nextInt(20)] = (byte) 0xFF; // certainly not UTF-8
        out.add(new Broken("random bytes", "txt", noise, Expect.UNDECODABLE));
        out.add(new Broken("random bytes", "csv", noise, Expect.UNDECODABLE));
        String labelFirst = lines(r, 30, "txt").replaceAll("(?m)^(.+)$", "1,$1");
        out.add(new Broken("short rows", "csv", utf8("label,text\n" + labelFirst + "7\n" + labelFirst + "8\n"),
                Expect.WARNS));
        out.add(new Broken("no row has the text", "csv", utf8("label,text\n1\n2\n3\n"), Expect.FAILS));
        out.add(new Broken("no text column", "csv", utf8("body,label\nx,1\n"), Expect.FAILS));
        out.add(new Broken("unterminated quote", "csv", utf8(lines(r, 10, "csv") + "\"never closed,1\n"), Expect.FAILS));
        out.add(new Broken("bad json", "jsonl", utf8(lines(r, 10, "jsonl") + "{\"text\": \n"), Expect.FAILS));
        out.add(new Broken("json without the field", "jsonl", utf8("{\"body\": \"x\"}\n"), Expect.FAILS));
        out.add(new Broken("NUL bytes", "txt", cat(utf8(lines(r, 30, "txt")), new byte[] {0, 0, 'a', '\n'}), Expect.READ));
        out.add(new Broken("one huge line", "txt", utf8(lines(r, 30, "txt") + "y".repeat(2_000_000) + "\n"), Expect.READ));
        return out;
    }

    @Test
    void brokenDataFilesGetACleanAnswerNamingTheFile() throws Exception {
        TestProject project = new TestProject(tmp.resolve("project"));
        List<Stage<?>> stages = new ArrayList<>(TestProject.languageModelStages());
        stages.set(0, new IngestStage());
        Random random = new Random(SEED);
        Map<String, int[]> counts = new TreeMap<>(); // "kind (ext)" -> {files, exit 0, exit != 0}
        long worstMs = 0;
        int n = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (Broken b : generate(random)) {
                Path data = tmp.resolve("data-" + n + "." + b.ext);
                Files.write(data, b.bytes);
                Path spec = project.root.resolve("experiments/data-" + n + ".yaml");
                Files.writeString(spec, "name: data-" + n + "\ndata: {source: text, path: \"" + data
                        + "\", split: fraction, val_fraction: 0.1}\ntokenizer: {kind: gpt2}\ntracking: {backend: none}\n");
                n++;
                long start = System.nanoTime();
                ByteArrayOutputStream console = new ByteArrayOutputStream();
                PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
                int code = Main.execute(new String[] {"run", spec.toString(), "--until", "ingest"},
                        new CliContext(() -> StageRegistry.of(stages), List::of, project.root, ps, ps, false));
                long ms = (System.nanoTime() - start) / 1_000_000;
                worstMs = Math.max(worstMs, ms);
                String text = console.toString(StandardCharsets.UTF_8);
                String context = b.kind + " (." + b.ext + ") " + data + " answered " + code + " in " + ms + " ms:\n" + text;
                assertTrue(code == 0 || code == 1 || code == 2, context);
                assertFalse(text.contains("\tat ") || text.contains("at dev.attnlab") || text.contains("Input length"), context);
                assertTrue(ms < LIMIT_MS, context);
                switch (b.expect) {
                    case READ -> assertEquals(0, code, context);
                    case WARNS -> {
                        assertEquals(0, code, context);
                        assertTrue(text.contains("warning: ") && text.contains(data + ": 2 of "), context);
                    }
                    case FAILS -> assertTrue(code != 0 && text.contains(data.toString()), context);
                    case UNDECODABLE -> assertTrue(code != 0 && text.matches("(?s).*" + java.util.regex.Pattern.quote(
                            data.toString()) + " line \\d+ \\(byte offset \\d+, .*data\\.encoding.*"), context);
                }
                int[] c = counts.computeIfAbsent(b.kind + " (." + b.ext + ")", k -> new int[3]);
                c[0]++;
                c[code == 0 ? 1 : 2]++;
            }
        }
        counts.forEach((kind, c) -> System.out.printf("data fuzz: %-34s %3d files, %3d read, %3d refused%n",
                kind, c[0], c[1], c[2]));
        System.out.println("data fuzz: " + n + " files (seed " + SEED + "), slowest " + worstMs + " ms");
        assertTrue(n >= 100, "only " + n + " files");
    }
}
