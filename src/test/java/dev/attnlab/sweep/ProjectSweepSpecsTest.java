package dev.attnlab.sweep;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every sweep spec shipped in experiments/sweeps validates, with its base experiment and parameter values. */
class ProjectSweepSpecsTest {

    @Test
    void everyShippedSweepSpecValidates() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("experiments", "sweeps"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            // the sweep file, its base experiment, and every value of every parameter on that base
            TrialSpecs.check(SweepSpecLoader.load(f), java.util.Map.of());
        }
    }

    @Test
    void imdbSweepVariesLearningRateWidthAndHeadsOfAOneLayerModel() throws Exception {
        SweepSpec spec = SweepSpecLoader.load(Path.of("experiments/sweeps/imdb-1l-sweep.yaml"));
        assertEquals(List.of("train.lr", "model.d_model", "model.n_heads"),
                spec.parameters().stream().map(Parameter::path).toList());
        assertEquals(SweepSpec.Method.BAYES, spec.method());
        String base = Files.readString(spec.experiment());
        assertFalse(base.isEmpty());
        org.junit.jupiter.api.Assertions.assertTrue(base.contains("n_layers: 1") && base.contains("source: imdb"), base);
    }
}
