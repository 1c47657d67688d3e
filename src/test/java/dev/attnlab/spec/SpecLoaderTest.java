package dev.attnlab.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecLoaderTest {

    private static final String MINIMAL = """
            name: t
            data:
              source: synthetic
            tokenizer:
              kind: none
            """;

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private List<String> problems(Path file, String... sets) {
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(file, List.of(sets)));
        return e.problems().stream().map(SpecProblem::toString).toList();
    }

    private static void assertHas(List<String> problems, String expected) {
        assertTrue(problems.stream().anyMatch(p -> p.equals(expected)),
                "expected problem\n  " + expected + "\namong\n  " + String.join("\n  ", problems));
    }

    @Test
    void quickstartSpecsLoadWithDefaultsFilledIn() {
        ExperimentSpec s = SpecLoader.load(Path.of("experiments/induction-2l.yaml"));
        assertEquals("induction-2l", s.name());
        assertEquals("synthetic", s.data().source().value());
        assertEquals("none", s.tokenizer().kind().value());
        assertEquals(2, s.model().nLayers());
        assertEquals(0.9, s.train().beta1()); // not in the file: the default
        assertEquals(List.of(), s.interpret().prompts());
        assertEquals("language-model", s.pipeline());

        ExperimentSpec one = SpecLoader.load(Path.of("experiments/induction-1l.yaml"));
        assertEquals("induction-1l", one.name());
        assertEquals(1, one.model().nLayers());
        assertEquals(s.model().dModel(), one.model().dModel());
        assertEquals(s.data(), one.data());
        assertEquals(List.of(Path.of("experiments/induction-1l.yaml").toAbsolutePath().normalize(),
                        Path.of("experiments/induction-2l.yaml").toAbsolutePath().normalize()),
                SpecLoader.sourceFiles(Path.of("experiments/induction-1l.yaml")));
    }

    @Test
    void resolvedTreeIsSortedAndHoldsEverySchemaKey() throws Exception {
        ExperimentSpec s = SpecLoader.load(write("a.yaml", MINIMAL));
        for (SpecSchema.Key k : SpecSchema.keys()) {
            if (k.path().equals("extends")) {
                assertFalse(s.resolved().containsKey("extends"));
                continue;
            }
            Object v = SpecLoader.get(s.resolved(), k.path());
            assertTrue(v != null, "resolved lacks " + k.path());
        }
        assertEquals(List.copyOf(s.resolved().keySet()), s.resolved().keySet().stream().sorted().toList());
        assertThrows(UnsupportedOperationException.class, () -> s.resolved().put("x", 1));
        assertEquals(Map.of("lowercase", false, "space_before_punct", false, "strip_br", false),
                SpecLoader.get(s.resolved(), "data.preprocess"));
    }

    @Test
    void equivalentSpellingsResolveToTheSameHash() throws Exception {
        ExperimentSpec a = SpecLoader.load(write("a.yaml", MINIMAL + "train: {lr: 1, steps: 1e4}\n"));
        ExperimentSpec b = SpecLoader.load(write("b.yaml", MINIMAL + "train:\n  steps: 10000\n  lr: 1.0\n"));
        assertEquals(10000, a.train().steps());
        assertEquals(CanonicalJson.specHash(a), CanonicalJson.specHash(b));
        ExperimentSpec c = SpecLoader.load(write("c.yaml", MINIMAL + "train: {lr: 2}\n"));
        assertNotEquals(CanonicalJson.specHash(a), CanonicalJson.specHash(c));
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileLineAndColumn() throws Exception {
        Path f = write("bad.yaml", """
                name: bad
                data:
                  source: synthetc
                  synthetic: {vocab: -3}
                tokenizer:
                  kind: none
                model:
                  d_modle: 100
                  norm: layernorm
                train:
                  lr: -1
                  steps: 1.5
                  batch_size: "32"
                  decay_biases: yes
                interpret:
                  prompts: hello
                lr: 3
                """);
        List<String> p = problems(f);
        String at = f.toString();
        assertHas(p, at + ":3:11: data.source: expected one of imdb | wikitext | text | synthetic, got 'synthetc'; did you mean 'synthetic'?");
        assertHas(p, at + ":4:22: data.synthetic.vocab: expected an integer >= 2, got integer -3");
        assertHas(p, at + ":8:3: model.d_modle: unknown key; did you mean 'd_model'?");
        assertHas(p, at + ":9:9: model.norm: expected one of none | pre_layernorm, got 'layernorm'");
        assertHas(p, at + ":11:7: train.lr: expected a number > 0, got integer -1");
        assertHas(p, at + ":12:10: train.steps: expected an integer >= 0, got number 1.5");
        assertHas(p, at + ":13:15: train.batch_size: expected an integer >= 1, got '32'");
        assertHas(p, at + ":14:17: train.decay_biases: expected true or false, got 'yes'");
        assertHas(p, at + ":16:12: interpret.prompts: expected a list of strings such as [\"one\", \"two\"], got 'hello'");
        assertHas(p, at + ":17:1: lr: unknown key; did you mean 'train.lr'? (it belongs in section 'train')");
        assertEquals(10, p.size(), String.join("\n", p));
    }

    @Test
    void unknownKeyWithoutACloseMatchListsTheValidKeys() throws Exception {
        List<String> p = problems(write("a.yaml", MINIMAL + "tracking: {zzz: 1}\n"));
        assertHas(p, dir.resolve("a.yaml") + ":6:12: tracking.zzz: unknown key; valid keys here: backend, experiment, run_name");
    }

    @Test
    void missingRequiredKeysAndWrongSectionTypes() throws Exception {
        Path f = write("a.yaml", "description: x\nmodel: 5\n");
        List<String> p = problems(f);
        assertHas(p, f + ": name: required key is missing; expected a string");
        assertHas(p, f + ": data.source: required key is missing; expected one of imdb | wikitext | text | synthetic");
        assertHas(p, f + ":2:8: model: expected a section (a mapping of keys), got integer 5");
    }

    @Test
    void crossFieldRules() throws Exception {
        Path f = write("a.yaml", """
                name: t
                data:
                  source: synthetic
                tokenizer:
                  kind: gpt2
                  special_tokens: true
                model:
                  d_model: 100
                  n_heads: 3
                  n_ctx: 32
                evaluate:
                  induction_block_len: 20
                train:
                  epochs: 0
                """);
        List<String> p = problems(f);
        assertHas(p, f + ":5:9: tokenizer.kind: data.source synthetic produces token ids; it needs tokenizer.kind: none, got 'gpt2'");
        assertHas(p, f + ":9:12: model.n_heads: d_model 100 is not divisible by n_heads 3; change one or set model.d_head explicitly");
        assertHas(p, f + ":12:24: evaluate.induction_block_len: a block repeated twice must fit in model.n_ctx 32; expected <= 16, got 20");
        assertHas(p, f + ":14:11: train.epochs: with train.steps 0 the run length comes from epochs, which must be > 0");

        Path blocks = write("blocks.yaml", MINIMAL.replace("source: synthetic",
                "source: synthetic\n  synthetic: {min_block_len: 9, block_len: 8}"));
        assertHas(problems(blocks), blocks + ":4:30: data.synthetic.min_block_len: expected at most "
                + "data.synthetic.block_len (8), got 9");
        Path text = write("text.yaml", "name: t\ndata: {source: text}\n");
        assertHas(problems(text), text + ": data.path: data.source text needs data.path (the .txt, .csv or .jsonl file)");
        Path imdbNone = write("n.yaml", "name: t\ndata: {source: imdb}\ntokenizer: {kind: none}\n");
        assertHas(problems(imdbNone), imdbNone + ":3:19: tokenizer.kind: tokenizer.kind none only passes synthetic ids "
                + "through; data.source 'imdb' needs gpt2 or a bert tokenizer");
        Path special = write("s.yaml", "name: t\ndata: {source: imdb}\ntokenizer: {special_tokens: true}\n");
        assertHas(problems(special), special + ":3:29: tokenizer.special_tokens: special_tokens ([CLS]/[SEP]) "
                + "applies to bert tokenizers only, tokenizer.kind is 'gpt2'");
        // An explicit d_head lifts the divisibility rule.
        SpecLoader.load(write("ok.yaml", MINIMAL + "model: {d_model: 100, n_heads: 3, d_head: 32}\n"));
    }

    @Test
    void yamlTagsAreRejected() throws Exception {
        Path f = write("a.yaml", MINIMAL + "description: !!java.lang.Runtime x\nmodel: !foo {n_layers: 1}\n");
        List<String> p = problems(f);
        assertHas(p, f + ":6:14: YAML tags are not allowed (found '!!java.lang.Runtime'); write a plain value");
        assertHas(p, f + ":7:8: YAML tags are not allowed (found '!foo'); write a plain value");
    }

    @Test
    void sizeNestingAliasesAndDocumentsAreLimited() throws Exception {
        Path big = write("big.yaml", "name: t\ndescription: \"" + "x".repeat((1 << 20) + 10) + "\"\n");
        assertTrue(problems(big).get(0).contains("specs are limited to 1048576 bytes (1 MiB)"), problems(big).get(0));

        Path deep = write("deep.yaml", MINIMAL + "description: " + "[".repeat(40) + "]".repeat(40) + "\n");
        assertHas(problems(deep), deep + ":6:" + (13 + 16) + ": nesting deeper than 16 levels; a spec needs at most 3");

        Path many = write("many.yaml", MINIMAL + "x: &s one\ny: [" + "*s, ".repeat(50) + "*s]\n");
        assertHas(problems(many), many + ":7:" + (5 + 4 * 50)
                + ": more than 50 aliases (*name); refusing a possible alias bomb");

        Path two = write("two.yaml", MINIMAL + "---\nname: u\n");
        assertHas(problems(two), two + ":6:1: more than one YAML document ('---'); a spec is a single document");
    }

    /** A spec of {@code levels} anchored lists, each holding {@code width} aliases of the one before. */
    private static String aliasBomb(String first, int levels, int width) {
        StringBuilder s = new StringBuilder(MINIMAL).append(first).append("\n");
        for (int i = 1; i <= levels; i++) {
            s.append("x").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(width, "*a" + (i - 1)))).append("]\n");
        }
        return s.toString();
    }

    @Test
    void aliasBombsWithinTheAliasLimitFailFastAtTheAliasThatExpandsTooFar() throws Exception {
        Map<String, String> bombs = Map.of(
                "doubling.yaml", aliasBomb("x0: &a0 [lol]", 24, 2),
                "tripling.yaml", aliasBomb("x0: &a0 [lol]", 16, 3),
                "prompts.yaml", aliasBomb("interpret: {prompts: &a0 [lol, lol]}", 24, 2),
                "laughs.yaml", aliasBomb("description: &a0 lol", 5, 9));
        for (Map.Entry<String, String> bomb : bombs.entrySet()) {
            Path f = write(bomb.getKey(), bomb.getValue());
            long start = System.nanoTime();
            List<String> p = problems(f);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, p.size(), String.join("\n", p));
            assertTrue(p.get(0).matches(java.util.regex.Pattern.quote(f.toString())
                    + ":\\d+:\\d+: alias \\*a\\d+ expands the spec past 10000 values; refusing a possible alias bomb.*"), p.get(0));
            assertTrue(ms < 1000, bomb.getKey() + " took " + ms + " ms");
        }
        Path text = write("text.yaml", MINIMAL + "x: &s \"" + "y".repeat(300_000) + "\"\nz: [*s, *s, *s, *s]\n");
        assertHas(problems(text), text + ":7:13: alias *s expands the spec's text past 1048576 characters; "
                + "refusing a possible alias bomb (write the text out once)");

        write("bomb-base.yaml", aliasBomb("x0: &a0 [lol]", 24, 2));
        Path child = write("child.yaml", "extends: bomb-base.yaml\nname: c\n");
        assertTrue(problems(child).get(0).startsWith(dir.resolve("bomb-base.yaml") + ":"), problems(child).get(0));
    }

    @Test
    void recursiveAliasesAreRefusedWithThePlaceOfTheAlias() throws Exception {
        Path list = write("list.yaml", MINIMAL + "a: &x [*x]\n");
        assertHas(problems(list), list + ":6:8: recursive alias: *x refers to the collection it is in "
                + "(anchored at line 6, column 4); a spec value cannot contain itself");
        Path map = write("map.yaml", MINIMAL + "model: &m {d_model: 64, more: {again: *m}}\n");
        assertHas(problems(map), map + ":6:39: recursive alias: *m refers to the collection it is in "
                + "(anchored at line 6, column 8); a spec value cannot contain itself");
        // an anchor redefined inside the collection: the alias means the newer, complete one
        Path redefined = write("redefined.yaml", MINIMAL + "interpret: {prompts: &p [&p one, *p]}\n");
        assertEquals(List.of("one", "one"), SpecLoader.load(redefined).interpret().prompts());
    }

    @Test
    void mergeKeysAreRefusedAndAliasesOfCompleteValuesStillWork() throws Exception {
        Path f = write("merge.yaml", MINIMAL + "evaluate: &e {max_batches: 3}\ninterpret:\n  <<: *e\n  samples: 1\n");
        List<String> p = problems(f);
        assertHas(p, f + ":8:3: YAML merge keys ('<<') are not supported; write the keys out, or move shared keys "
                + "to a base spec and use 'extends: base.yaml'");
        Path quoted = write("quoted.yaml", MINIMAL + "model: {\"<<\": 1}\n");
        assertTrue(problems(quoted).get(0).contains("model.<<: unknown key"), problems(quoted).get(0));
        Path ok = write("ok.yaml", MINIMAL + "description: &d shared\ntracking: {run_name: *d}\n");
        assertEquals("shared", SpecLoader.load(ok).tracking().runName());
    }

    @Test
    void anEmptyNameIsRefused() throws Exception {
        Path f = write("a.yaml", MINIMAL.replace("name: t", "name: \"\""));
        assertEquals(List.of(f + ":1:7: name: expected a non-empty name (it names the run directory), got an empty string"),
                problems(f));
    }

    @Test
    void syntaxErrorsAndDuplicateKeysHavePositions() throws Exception {
        Path f = write("a.yaml", "name: t\ndata: {source: synthetic\n");
        List<String> p = problems(f);
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith(f + ":3:1: invalid YAML: "), p.get(0));

        Path d = write("d.yaml", MINIMAL + "name: again\n");
        assertHas(problems(d), d + ":6:1: name: duplicate key (first set at " + d + ":1:1)");

        Path missing = dir.resolve("nope.yaml");
        assertHas(problems(missing), missing + ": file not found");
    }

    @Test
    void extendsMergesMapsDeeplyChildWinsAndChains() throws Exception {
        write("base.yaml", MINIMAL + "model: {n_layers: 2, d_model: 64, n_heads: 4}\ninterpret: {prompts: [a, b]}\n");
        write("mid.yaml", "extends: base.yaml\nname: mid\nmodel: {n_layers: 1}\n");
        Files.createDirectories(dir.resolve("sub"));
        Path child = write("sub/child.yaml", "extends: ../mid.yaml\nname: child\nmodel: {d_model: 32}\n"
                + "interpret: {prompts: [c]}\n");
        ExperimentSpec s = SpecLoader.load(child);
        assertEquals("child", s.name());
        assertEquals(1, s.model().nLayers());
        assertEquals(32, s.model().dModel());
        assertEquals(4, s.model().nHeads());
        assertEquals(List.of("c"), s.interpret().prompts()); // lists replace, they do not concatenate
        assertEquals("synthetic", s.data().source().value());
        assertEquals(3, SpecLoader.sourceFiles(child).size());
    }

    @Test
    void extendsErrors() throws Exception {
        Path a = write("a.yaml", "extends: b.yaml\nname: a\n");
        write("b.yaml", "extends: a.yaml\nname: b\n");
        assertHas(problems(a), dir.resolve("b.yaml") + ":1:10: extends: extends cycle: a.yaml -> b.yaml -> a.yaml");

        Path self = write("self.yaml", "extends: self.yaml\nname: s\n");
        assertHas(problems(self), self + ":1:10: extends: extends cycle: self.yaml -> self.yaml");

        Path m = write("m.yaml", "extends: missing.yaml\nname: m\n");
        assertHas(problems(m), m + ":1:10: extends: file not found: " + dir.resolve("missing.yaml")
                + " (paths are relative to the spec that extends them)");

        Path n = write("n.yaml", "extends: [x]\nname: n\n");
        assertHas(problems(n), n + ":1:10: extends: expected a file name (a string), got a list");

        // A problem inside the parent is reported at the parent's position.
        write("badparent.yaml", MINIMAL + "model: {n_layers: 0}\n");
        Path c = write("c.yaml", "extends: badparent.yaml\nname: c\n");
        assertHas(problems(c), dir.resolve("badparent.yaml") + ":6:19: model.n_layers: expected an integer >= 1, got integer 0");
    }

    @Test
    void setOverridesParseYamlValues() throws Exception {
        Path f = write("a.yaml", MINIMAL);
        ExperimentSpec s = SpecLoader.load(f, List.of("train.lr=3e-4", "interpret.prompts=[a, 'b c']",
                "model={d_model: 32, n_heads: 2}", "description=hello world", "data.synthetic.vocab=77"));
        assertEquals(3e-4, s.train().lr());
        assertEquals(List.of("a", "b c"), s.interpret().prompts());
        assertEquals(32, s.model().dModel());
        assertEquals(2, s.model().nHeads());
        assertEquals(2, s.model().nLayers()); // merged into the section, not replacing it
        assertEquals("hello world", s.description());
        assertEquals(77, s.data().synthetic().vocab());
        // --set wins over extends chains too
        write("child.yaml", "extends: a.yaml\nname: c\ntrain: {lr: 0.5}\n");
        assertEquals(0.25, SpecLoader.load(dir.resolve("child.yaml"), List.of("train.lr=0.25")).train().lr());
    }

    @Test
    void setErrorsNameTheSetArgument() throws Exception {
        Path f = write("a.yaml", MINIMAL);
        List<String> p = problems(f, "train.lr=abc", "model.d_modl=3", "nonsense", "train.lr=!!java.io.File x");
        assertHas(p, "--set train.lr=abc: train.lr: expected a number > 0, got 'abc'");
        assertHas(p, "--set model.d_modl=3: model.d_modl: unknown key; did you mean 'd_model'?");
        assertHas(p, "--set nonsense: expected key.path=value, e.g. --set train.lr=3e-4");
        assertHas(p, "--set train.lr=!!java.io.File x: YAML tags are not allowed (found '!!java.io.File'); write a plain value");
    }

    @Test
    void suggestionsUseEditDistanceAndIgnoreSeparators() {
        assertEquals("d_model", Suggest.closest("dModel", List.of("n_layers", "d_model")).orElseThrow());
        assertEquals("n_heads", Suggest.closest("n_haeds", List.of("n_heads", "d_head")).orElseThrow());
        assertTrue(Suggest.closest("completely_else", List.of("n_heads", "d_head")).isEmpty());
        assertEquals(1, Suggest.distance("ab", "ba"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));
    }
}
