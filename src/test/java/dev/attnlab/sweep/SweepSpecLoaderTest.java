package dev.attnlab.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepSpecLoaderTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryKey() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "full", """
                name: my-sweep
                method: bayes
                count: 30
                seed: 9
                parallel: 2
                early_terminate: {type: hyperband, min_iter: 2, eta: 3}
                parameters:
                  train.lr: {min: 1.0e-5, max: 1.0e-2, distribution: log_uniform_values}
                  model.d_model: {values: [64, 128, 256]}
                  model.n_heads: {min: 1, max: 8}
                  train.warmup_steps: {min: 0, max: 1000, distribution: q_uniform, q: 100}
                  train.weight_decay: {min: 0.0, max: 0.1}
                  tokenizer.packing: {values: [concat, truncate]}
                  model.residual: {value: false}
                """);
        assertEquals("my-sweep", spec.name());
        assertEquals(dir.resolve("experiments/base.yaml").toAbsolutePath().normalize(), spec.experiment());
        assertEquals(SweepSpec.Method.BAYES, spec.method());
        assertEquals(new SweepSpec.Metric("val/loss", SweepSpec.Goal.MINIMIZE), spec.metric());
        assertEquals(30, spec.count());
        assertEquals(9, spec.seed());
        assertEquals(2, spec.parallel());
        assertEquals(new SweepSpec.Hyperband(2, 3), spec.earlyTerminate().orElseThrow());
        assertEquals(List.of(
                new Parameter.Range("train.lr", 1e-5, 1e-2, Parameter.Distribution.LOG_UNIFORM_VALUES, 1, false),
                new Parameter.Choice("model.d_model", List.of(64L, 128L, 256L)),
                new Parameter.Range("model.n_heads", 1, 8, Parameter.Distribution.INT_UNIFORM, 1, true),
                new Parameter.Range("train.warmup_steps", 0, 1000, Parameter.Distribution.Q_UNIFORM, 100, true),
                new Parameter.Range("train.weight_decay", 0, 0.1, Parameter.Distribution.UNIFORM, 1, false),
                new Parameter.Choice("tokenizer.packing", List.of("concat", "truncate")),
                new Parameter.Choice("model.residual", List.of(false))), spec.parameters());
    }

    @Test
    void defaultsNameFromFileAndGridCountFromGridSize() throws Exception {
        SweepSpec spec = SweepFixtures.load(dir, "g", """
                method: grid
                parameters:
                  model.d_model: {values: [64, 128]}
                  model.n_layers: {min: 1, max: 3, distribution: int_uniform}
                """);
        assertEquals("g", spec.name());
        assertEquals(6, spec.count());
        assertEquals(1, spec.parallel());
        assertTrue(spec.earlyTerminate().isEmpty());
    }

    @Test
    void reportsEveryProblemWithFileLineColumnKeyAndFix() throws Exception {
        Path file = SweepFixtures.sweepFile(dir, "bad", """
                method: bayse
                count: 0
                program: train.py
                parameters:
                  train.lrr: {values: [1]}
                  model.d_model: {min: 64, max: 512, distribution: log_uniform}
                  train.lr: {min: 0.1, max: 0.01}
                  model.n_heads: {values: [2, 2.5]}
                  tracking.experiment: {values: [a]}
                early_terminate: {type: median}
                """);
        SweepSpecException e = assertThrows(SweepSpecException.class, () -> SweepSpecLoader.load(file));
        List<String> p = e.problems();
        String all = String.join("\n", p);
        String f = file.toString();
        assertTrue(p.contains(f + ":3:9: method: unknown 'bayse', expected one of [grid, random, bayes] (did you mean 'bayes'?)"), all);
        assertTrue(p.contains(f + ":4:8: count: expected a whole number ≥ 1"), all);
        assertTrue(all.contains(f + ":5:1: program: not used by attnlab"), all);
        assertTrue(all.contains(f + ":7:3: parameters.train.lrr: not an experiment spec key path (did you mean 'train.lr'?)"), all);
        assertTrue(all.contains(f + ":8:52: parameters.model.d_model.distribution: unknown 'log_uniform'") && all.contains("use log_uniform_values"), all);
        assertTrue(all.contains(f + ":9:29: parameters.train.lr.max: must be greater than min (0.1)"), all);
        assertTrue(all.contains(f + ":10:31: parameters.model.n_heads.values: expected a whole number, got '2.5'"), all);
        assertTrue(all.contains(f + ":11:3: parameters.tracking.experiment: cannot be swept"), all);
        assertTrue(all.contains(f + ":12:25: early_terminate.type: unknown 'median': the only type is hyperband"), all);
        assertEquals(9, p.size(), all);
        assertTrue(p.get(0).startsWith(f + ":3:9: method"), "problems in file order: " + all);
    }

    @Test
    void missingKeysAndFilesAreNamed() throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("empty.yaml");
        Files.writeString(file, "experiment: nowhere.yaml\n");
        SweepSpecException e = assertThrows(SweepSpecException.class, () -> SweepSpecLoader.load(file));
        String all = e.getMessage();
        assertTrue(all.contains(file + ":1:13: experiment: no such file"), all);
        assertTrue(all.contains("method: missing"), all);
        assertTrue(all.contains("metric: missing"), all);
        assertTrue(all.contains("parameters: missing"), all);
        SweepSpecException none = assertThrows(SweepSpecException.class, () -> SweepSpecLoader.load(dir.resolve("nope.yaml")));
        assertEquals(dir.resolve("nope.yaml") + ": no such file", none.getMessage());
    }

    @Test
    void randomAndBayesNeedACountAndGridNeedsFiniteValues() throws Exception {
        SweepSpecException e = assertThrows(SweepSpecException.class, () -> SweepFixtures.load(dir, "nocount",
                "method: random\nparameters:\n  train.lr: {min: 0.001, max: 0.1}\n"));
        assertTrue(e.getMessage().contains("count: missing: random search needs the total number of trials"), e.getMessage());
        SweepSpecException g = assertThrows(SweepSpecException.class, () -> SweepFixtures.load(dir, "inf",
                "method: grid\nparameters:\n  train.lr: {min: 0.001, max: 0.1}\n"));
        assertTrue(g.getMessage().contains("grid search needs a finite set"), g.getMessage());
    }

    @Test
    void unsafeOrBrokenYamlIsAClearError() throws Exception {
        Path file = SweepFixtures.sweepFile(dir, "tag", "method: !!java.lang.Runtime grid\n");
        SweepSpecException e = assertThrows(SweepSpecException.class, () -> SweepSpecLoader.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        Path broken = SweepFixtures.sweepFile(dir, "broken", "method: [grid\n");
        SweepSpecException b = assertThrows(SweepSpecException.class, () -> SweepSpecLoader.load(broken));
        assertTrue(b.getMessage().contains("not valid YAML"), b.getMessage());
    }
}
