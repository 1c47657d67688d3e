package dev.attnlab.interpret;

import dev.attnlab.pipeline.ExperimentRunner;
import dev.attnlab.pipeline.ProjectLayout;
import dev.attnlab.pipeline.RunOptions;
import dev.attnlab.pipeline.RunResult;
import dev.attnlab.pipeline.StageRegistry;
import dev.attnlab.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6's done-when criteria on the real quickstart specs, run through the real pipeline exactly
 * as {@code make experiment} runs them (tracking off): the 2-layer model grows a layer-0
 * previous-token head and layer-1 induction heads, ablating the circuit sends the repeated half back
 * towards chance, and the 1-layer variant grows no induction head.
 *
 * <p>Thresholds, and why they are robust: scores are measured at a copy distance (18) the model never
 * saw in training (6..16), so only a head that really looks for "the token after my earlier
 * occurrence" scores there. One run measured previous-token 0.95, induction 0.58-0.63 on all four
 * layer-1 heads (they share the work, so ablating one adds ~0.45 nats), and +3.2 nats when the single
 * previous-token head is ablated; the 1-layer variant's best induction score was far below 0.2.
 */
class QuickstartInductionTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @TempDir
    Path work;

    @Test
    void twoLayerQuickstartGrowsAPreviousTokenAndAnInductionHead() throws IOException {
        RunResult run = run("induction-2l");
        Path out = run.stage("interpret").outputDir();
        List<Map<String, String>> scores = csv(out.resolve("head_scores.csv"));
        double bestPrev = best(scores, "0", "prev_token");
        double bestInduction = best(scores, "1", "induction");
        assertTrue(bestPrev > 0.5, "layer-0 previous-token score " + bestPrev + ": " + scores);
        assertTrue(bestInduction > 0.5, "layer-1 induction score " + bestInduction + ": " + scores);

        // Ablating the previous-token head breaks the circuit: the repeated half goes back towards
        // chance (ln 64 = 4.16). Ablating one induction head costs less: the layer-1 heads share the work.
        String prevHead = argBest(scores, "0", "prev_token");
        List<Map<String, String>> ablation = csv(out.resolve("ablation.csv"));
        double prevDelta = delta(ablation, prevHead);
        assertTrue(prevDelta > 1.5, "mean-ablating " + prevHead + " raised the repeated-half loss by only " + prevDelta);
        String inductionHead = argBest(scores, "1", "induction");
        assertTrue(delta(ablation, inductionHead) > 0.2,
                "mean-ablating " + inductionHead + " raised the repeated-half loss by only " + delta(ablation, inductionHead));

        // interpret.every: the head scores during training show the phase change: no induction head at
        // initialisation, one by the end, and the last probe is the interpret stage's own measurement
        List<Map<String, String>> trajectory = csv(run.stage("train").outputDir().resolve("head_scores_by_step.csv"));
        List<Map<String, String>> atStart = trajectory.stream().filter(r -> r.get("step").equals("0")).toList();
        List<Map<String, String>> atEnd = trajectory.stream().filter(r -> r.get("step").equals("4000")).toList();
        assertTrue(best(atStart, "1", "induction") < 0.2, "induction score at initialisation: " + atStart);
        assertEquals(bestInduction, best(atEnd, "1", "induction"), 1e-6);
        assertEquals(4000 / 200 + 1, trajectory.stream().map(r -> r.get("step")).distinct().count());
    }

    @Test
    void oneLayerVariantHasNoInductionHead() throws IOException {
        Path out = interpretOutput("induction-1l");
        List<Map<String, String>> scores = csv(out.resolve("head_scores.csv"));
        double bestInduction = best(scores, "0", "induction");
        assertTrue(bestInduction <= 0.2, "1-layer model has a head with induction score " + bestInduction + ": " + scores);
    }

    private Path interpretOutput(String name) {
        return run(name).stage("interpret").outputDir();
    }

    private RunResult run(String name) {
        ProjectLayout layout = new ProjectLayout(PROJECT, PROJECT.resolve("pipelines"),
                PROJECT.resolve("experiments"), work.resolve("runs"), work.resolve("cache"));
        List<String> sets = List.of("tracking.backend=none");
        RunResult result = new ExperimentRunner(StageRegistry.fromServiceLoader(), layout, List.of())
                .run(SpecLoader.load(PROJECT.resolve("experiments/" + name + ".yaml"), sets),
                        RunOptions.defaults().withOverrides(sets));
        assertEquals(RunResult.Status.COMPLETED, result.status(), result.error());
        return result;
    }

    private static List<Map<String, String>> csv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) row.put(header[i], cells[i]);
            rows.add(row);
        }
        return rows;
    }

    private static double best(List<Map<String, String>> scores, String layer, String column) {
        return scores.stream().filter(r -> r.get("layer").equals(layer))
                .mapToDouble(r -> Double.parseDouble(r.get(column))).max().orElseThrow();
    }

    private static String argBest(List<Map<String, String>> scores, String layer, String column) {
        return scores.stream().filter(r -> r.get("layer").equals(layer))
                .max((a, b) -> Double.compare(Double.parseDouble(a.get(column)), Double.parseDouble(b.get(column))))
                .orElseThrow().get("name");
    }

    private static double delta(List<Map<String, String>> ablation, String head) {
        return ablation.stream().filter(r -> r.get("name").equals(head) && r.get("ablation").equals("mean"))
                .mapToDouble(r -> Double.parseDouble(r.get("induction_dloss"))).findFirst().orElseThrow();
    }
}
