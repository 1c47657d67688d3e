package dev.attnlab.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds a throwaway git repository and checks each kind of change that makes an experiment rerun. */
class ChangedCommandTest {

    @TempDir
    Path repo;
    String base;

    @BeforeEach
    void setUp() throws Exception {
        write("experiments/base/common.yaml", "seed: 1\ntrain: {lr: 1.0e-3}\n");
        write("experiments/alpha.yaml", "name: alpha\nextends: base/common.yaml\ndata: {source: synthetic}\n");
        write("experiments/beta.yaml", "name: beta\npipeline: other\ndata: {source: text, path: data/corpus.txt}\n");
        write("experiments/gamma.yaml", "name: gamma\nextends: alpha.yaml\ntokenizer: {kind: bert-base-cased, vocab: vocabs/v.txt}\n");
        write("pipelines/language-model.yaml", "stages: {}\n");
        write("pipelines/other.yaml", "stages: {}\n");
        write("data/corpus.txt", "hello\n");
        write("vocabs/v.txt", "[PAD]\n");
        write("README.md", "readme\n");
        write("experiments/sweeps/s.yaml", "experiment: ../alpha.yaml\nmethod: random\n");
        write("experiments/sweeps/t.yaml", "experiment: ../beta.yaml\nmethod: grid\n");
        git("init", "-q", "-b", "main");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
        base = git("rev-parse", "HEAD").trim();
    }

    @Test
    void nothingChangedListsNothing() {
        assertEquals(List.of(), changed());
    }

    @Test
    void unrelatedFileChangesNothing() throws IOException {
        write("README.md", "new readme\n");
        assertEquals(List.of(), changed());
    }

    @Test
    void specItselfChanged() throws IOException {
        write("experiments/beta.yaml", "name: beta\npipeline: other\ndata: {source: text, path: data/corpus.txt}\nseed: 2\n");
        assertEquals(List.of("beta", "sweeps/t"), changed(), "and the sweep over beta");
    }

    @Test
    void fileInExtendsChainChangedRerunsEveryDescendant() throws IOException {
        write("experiments/base/common.yaml", "seed: 2\ntrain: {lr: 1.0e-3}\n");
        assertEquals(List.of("alpha", "gamma", "sweeps/s"), changed());
    }

    @Test
    void parentSpecChangedRerunsChild() throws IOException {
        write("experiments/alpha.yaml", "name: alpha\nextends: base/common.yaml\ndata: {source: synthetic}\nseed: 5\n");
        assertEquals(List.of("alpha", "gamma", "sweeps/s"), changed());
    }

    @Test
    void pipelineChangedRerunsItsSpecsOnly() throws IOException {
        write("pipelines/other.yaml", "stages: {x: {}}\n");
        assertEquals(List.of("beta", "sweeps/t"), changed());
        write("pipelines/language-model.yaml", "stages: {y: {}}\n");
        assertEquals(List.of("alpha", "beta", "gamma", "sweeps/s", "sweeps/t"), changed());
    }

    @Test
    void referencedFilesChanged() throws IOException {
        write("data/corpus.txt", "changed\n");
        assertEquals(List.of("beta", "sweeps/t"), changed());
        write("vocabs/v.txt", "[UNK]\n");
        assertEquals(List.of("beta", "gamma", "sweeps/t"), changed());
    }

    @Test
    void newUntrackedSpecIsListed() throws IOException {
        write("experiments/delta.yaml", "name: delta\ndata: {source: synthetic}\n");
        assertEquals(List.of("delta"), changed());
    }

    @Test
    void committedChangesSinceBaseCount() throws Exception {
        write("experiments/base/common.yaml", "seed: 3\n");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "change");
        assertEquals(List.of("alpha", "gamma", "sweeps/s"), changed());
        assertEquals(List.of(), ChangedCommand.changedExperiments(repo, "HEAD"));
    }

    @Test
    void aChangedSweepFileIsListedAsASweep() throws IOException {
        write("experiments/sweeps/s.yaml", "experiment: ../alpha.yaml\nmethod: bayes\n");
        assertEquals(List.of("sweeps/s"), changed());
    }

    @Test
    void invalidYamlSpecStillListedWhenItChanged() throws IOException {
        write("experiments/alpha.yaml", "name: [unclosed\n");
        assertTrue(changed().contains("alpha"));
    }

    @Test
    void unknownBaseIsAClearError() {
        ChangedCommand.GitException e = assertThrows(ChangedCommand.GitException.class,
                () -> ChangedCommand.changedExperiments(repo, "no-such-ref"));
        assertTrue(e.getMessage().contains("--base"), e.getMessage());
    }

    private List<String> changed() {
        return ChangedCommand.changedExperiments(repo, base);
    }

    private void write(String rel, String text) throws IOException {
        Path p = repo.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private String git(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
