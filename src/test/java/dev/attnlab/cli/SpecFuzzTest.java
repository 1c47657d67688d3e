package dev.attnlab.cli;

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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutations of valid specs through {@code attnlab validate} (in process, as the CLI runs):
 * every answer is exit code 0 or 2, no Java frame on the console, a file:line:column for every
 * problem that has a place in the file, and each in under 5 s.
 */
class SpecFuzzTest {

    private static final long SEED = 19;
    private static final int SPECS = 520;
    private static final long LIMIT_MS = 5_000;

    private static final List<String> VALID = List.of(TestProject.SPEC, """
            name: text-run
            description: a text file
            data: {source: text, path: corpus.txt, split: fraction, val_fraction: 0.1}
            tokenizer: {kind: gpt2}
            model: {n_layers: 2, d_model: 32, n_heads: 4, n_ctx: 32}
            interpret:
              prompts: ["one two", "three four"]
            tracking: {backend: none}
            """);

    /** Problems that belong to the whole file, so they carry no line and column. */
    private static final List<String> PLACELESS = List.of("file is ", "the file is empty",
            "required key is missing", "file not found", "text longer than",
            "data.source text needs data.path"); // a key that is missing has no place

    private static final Pattern PROBLEM = Pattern.compile("^  (/\\S+?\\.yaml)(:\\d+:\\d+)?: (.*)$");

    @TempDir
    Path tmp;

    /** One kind of damage: its name and how it turns a valid spec (and a fresh Random) into bytes. */
    private record Mutation(String kind, BiFunction<String, Random, byte[]> apply) { }

    private final List<Mutation> mutations = List.of(
            new Mutation("wrong type", (s, r) -> utf8(replaceValue(s, r, pick(r, "[1, 2]", "{a: 1}", "yes", "-3",
                    "1e999", "0x7fffffffffffffffff", "\"text\"", "~", "''")))),
            new Mutation("misspelt key", (s, r) -> utf8(misspell(s, r))),
            new Mutation("syntax error", (s, r) -> utf8(insertAt(s, r, pick(r, "{", "[", "]", "}", ":", "\"", "'", "\t",
                    "- ", ": :", "&", "*", "%", "@", "`", "\n  bad indent: 1", "? ")))),
            new Mutation("tag", (s, r) -> utf8(replaceValue(s, r, pick(r, "!!python/object:os.system x",
                    "!!java.net.URL [x]", "!foo 1", "!!binary aGk=", "!!set {a}", "!<tag:yaml.org,2002:str> x")))),
            new Mutation("alias bomb", (s, r) -> utf8(aliasBomb(s, r))),
            new Mutation("recursive alias", (s, r) -> utf8(s + pick(r, "x: &r [*r]\n", "x: &r {a: *r}\n",
                    "x: &r [1, [2, *r]]\n", "model: &r {d_model: 8, k: [*r]}\n"))),
            new Mutation("merge key", (s, r) -> utf8(s + pick(r, "evaluate: &e {max_batches: 3}\ninterpret: {<<: *e}\n",
                    "x: &e {a: 1}\ntrain:\n  <<: *e\n  lr: 0.1\n", "x: &e [{a: 1}]\ntrain: {<<: *e}\n"))),
            new Mutation("binary bytes", (s, r) -> spliceBytes(utf8(s), r, randomBytes(r, 1 + r.nextInt(64)))),
            new Mutation("non-UTF-8 bytes", (s, r) -> spliceBytes(utf8(s), r,
                    pick(r, new byte[] {(byte) 0xE9}, new byte[] {(byte) 0xFF, (byte) 0xFE}, new byte[] {(byte) 0xC3},
                            new byte[] {(byte) 0x80, 'x'}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}))),
            new Mutation("huge file", (s, r) -> utf8(s + "description: \"" + "x".repeat(r.nextBoolean()
                    ? (1 << 20) + r.nextInt(1000) : 900_000) + "\"\n")),
            new Mutation("deep nesting", (s, r) -> {
                int depth = 10 + r.nextInt(200);
                return utf8(s + "model: " + "[".repeat(depth) + "]".repeat(depth) + "\n");
            }),
            new Mutation("empty name or file", (s, r) -> utf8(pick(r, "", "\n", "# only a comment\n", "---\n",
                    s.replaceFirst("name: \\S+", "name: \"\""), s.replaceFirst("name: \\S+", "name: ~"), "[]\n", "42\n"))));

    @Test
    void everyMutatedSpecGetsACleanAnswerQuickly() throws Exception {
        Files.writeString(tmp.resolve("corpus.txt"), "hello\n");
        Path cycleA = tmp.resolve("cycle-a.yaml");
        Files.writeString(cycleA, "extends: cycle-b.yaml\nname: a\n");
        Files.writeString(tmp.resolve("cycle-b.yaml"), "extends: cycle-a.yaml\nname: b\n");
        Random random = new Random(SEED);
        Map<String, int[]> counts = new TreeMap<>(); // kind -> {specs, exit 0, exit 2}
        long worstMs = 0;
        String worst = "";
        for (int i = 0; i < SPECS; i++) {
            String base = VALID.get(random.nextInt(VALID.size()));
            Path file = tmp.resolve("spec-" + i + ".yaml");
            String kind;
            if (i % (mutations.size() + 1) == mutations.size()) {
                kind = "extends";
                Path parent = tmp.resolve("parent-" + i + ".yaml");
                Mutation m = mutations.get(random.nextInt(mutations.size()));
                Files.write(parent, m.apply.apply(base, random));
                String target = pick(random, parent.getFileName().toString(), "cycle-a.yaml", file.getFileName().toString(),
                        "missing.yaml", "../" + tmp.getFileName() + "/cycle-b.yaml");
                Files.writeString(file, "extends: " + target + "\nname: child\n");
            } else {
                Mutation m = mutations.get(i % (mutations.size() + 1));
                kind = m.kind;
                Files.write(file, m.apply.apply(base, random));
            }
            long start = System.nanoTime();
            Answer a = validate(file);
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (ms > worstMs) {
                worstMs = ms;
                worst = kind + " (" + file.getFileName() + ")";
            }
            String context = kind + " " + file + " answered " + a.code + " in " + ms + " ms:\n" + a.console;
            assertTrue(a.code == 0 || a.code == 2, context);
            assertTrue(!a.console.contains("\tat ") && !a.console.contains("at dev.attnlab")
                    && !a.console.contains("Exception") && !a.console.contains("Error:"), context);
            assertTrue(ms < LIMIT_MS, context);
            assertProblemsArePlaced(a.console, context);
            int[] c = counts.computeIfAbsent(kind, k -> new int[3]);
            c[0]++;
            c[a.code == 0 ? 1 : 2]++;
        }
        int total = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            System.out.printf("spec fuzz: %-20s %4d specs, %4d valid, %4d invalid%n", e.getKey(), e.getValue()[0],
                    e.getValue()[1], e.getValue()[2]);
            total += e.getValue()[0];
        }
        System.out.println("spec fuzz: " + total + " specs (seed " + SEED + "), slowest " + worstMs + " ms: " + worst);
        assertEquals(SPECS, total);
        assertEquals(mutations.size() + 1, counts.size());
        for (String bad : List.of("alias bomb", "recursive alias", "merge key", "tag", "non-UTF-8 bytes", "empty name or file")) {
            assertEquals(0, counts.get(bad)[1], bad + " specs must all be refused");
        }
    }

    private void assertProblemsArePlaced(String console, String context) {
        for (String line : console.split("\n")) {
            if (!line.startsWith("  ") || line.startsWith("   ")) {
                continue; // "ok"/"invalid" headers and notes
            }
            Matcher m = PROBLEM.matcher(line);
            assertTrue(m.matches(), "a problem without its file: " + line + "\n" + context);
            boolean placed = m.group(2) != null;
            boolean placeless = PLACELESS.stream().anyMatch(p -> m.group(3).contains(p));
            assertTrue(placed || placeless, "a problem without line:column: " + line + "\n" + context);
        }
    }

    private record Answer(int code, String console) { }

    private Answer validate(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(() -> StageRegistry.of(TestProject.languageModelStages()), List::of,
                Path.of("").toAbsolutePath(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8), false);
        int code = Main.execute(new String[] {"validate", file.toString()}, ctx);
        return new Answer(code, out.toString(StandardCharsets.UTF_8));
    }

    // ---- the generator ------------------------------------------------------------------------

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    /** A random line's value (after "key: ") replaced; a line without one gets the value appended. */
    private static String replaceValue(String spec, Random r, String value) {
        List<String> lines = new ArrayList<>(List.of(spec.split("\n")));
        int i = r.nextInt(lines.size());
        String line = lines.get(i);
        int colon = line.indexOf(": ");
        lines.set(i, colon < 0 ? line + " " + value : line.substring(0, colon + 2) + value);
        return String.join("\n", lines) + "\n";
    }

    /** One key misspelt: a letter dropped, doubled or swapped with the next. */
    private static String misspell(String spec, Random r) {
        Matcher m = Pattern.compile("([a-z_]{3,}):").matcher(spec);
        List<int[]> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(new int[] {m.start(1), m.end(1)});
        }
        int[] k = keys.get(r.nextInt(keys.size()));
        int at = k[0] + r.nextInt(k[1] - k[0] - 1);
        StringBuilder s = new StringBuilder(spec);
        switch (r.nextInt(3)) {
            case 0 -> s.deleteCharAt(at);
            case 1 -> s.insert(at, s.charAt(at));
            default -> {
                char c = s.charAt(at);
                s.setCharAt(at, s.charAt(at + 1));
                s.setCharAt(at + 1, c);
            }
        }
        return s.toString();
    }

    private static String insertAt(String spec, Random r, String what) {
        int at = r.nextInt(spec.length());
        return spec.substring(0, at) + what + spec.substring(at);
    }

    /** Nested anchored lists within the 50-alias limit, placed where a value is expected or beside the spec. */
    private static String aliasBomb(String spec, Random r) {
        int width = 2 + r.nextInt(8);
        int levels = Math.max(2, 49 / width);
        StringBuilder s = new StringBuilder(pick(r, "description: &a0 lol\n", "x0: &a0 [lol, lol]\n",
                "interpret: {prompts: &a0 [lol, lol, lol]}\n"));
        for (int i = 1; i <= levels; i++) {
            s.append(i == levels ? pick(r, "description", "model", "interpret", "x" + i) : "x" + i)
                    .append(": &a").append(i).append(" [")
                    .append(String.join(", ", Collections.nCopies(width, "*a" + (i - 1)))).append("]\n");
        }
        return spec.replaceAll("(?m)^(description|interpret):.*\n(  .*\n)*", "") + s;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static byte[] spliceBytes(byte[] spec, Random r, byte[] inserted) {
        int at = r.nextInt(spec.length + 1);
        byte[] out = new byte[spec.length + inserted.length];
        System.arraycopy(spec, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(spec, at, out, at + inserted.length, spec.length - at);
        return out;
    }
}
