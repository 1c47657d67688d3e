package dev.attnlab.sweep;

import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Sweep specs in a temporary folder, and a tracker that records what it was told. */
final class SweepFixtures {

    private SweepFixtures() {
    }

    /** Writes a base experiment and a sweep spec with {@code body} appended; returns the sweep file. */
    static Path sweepFile(Path dir, String name, String body) throws IOException {
        Files.createDirectories(dir.resolve("experiments/sweeps"));
        Files.writeString(dir.resolve("experiments/base.yaml"), "name: base\ndata: {source: synthetic}\ntokenizer: {kind: none}\n");
        Path file = dir.resolve("experiments/sweeps/" + name + ".yaml");
        Files.writeString(file, "experiment: ../base.yaml\nmetric: {name: val/loss, goal: minimize}\n" + body);
        return file;
    }

    static SweepSpec load(Path dir, String name, String body) throws Exception {
        return SweepSpecLoader.load(sweepFile(dir, name, body));
    }

    static SweepExecutor executor(SweepSpec spec, Path sweepsDir, TrialRunner runner, SweepTracker tracker, int cores) {
        return new SweepExecutor(spec, new SweepStore(sweepsDir.resolve(spec.name())), runner, tracker,
                Map.of("tracking.experiment", "base"), cores, Progress.NONE, RunLog.STDERR);
    }

    static final class RecordingTracker implements SweepTracker {
        final Queue<String> events = new ConcurrentLinkedQueue<>();
        final Queue<Map<String, String>> trialTags = new ConcurrentLinkedQueue<>();
        final Queue<String> artifacts = new ConcurrentLinkedQueue<>();
        int parentsCreated;
        Boolean closedComplete;

        @Override
        public synchronized String openParent(SweepSpec spec, String sweepId, String knownRunId) {
            if (knownRunId != null) {
                events.add("found " + knownRunId);
                return knownRunId;
            }
            parentsCreated++;
            events.add("created parent-" + parentsCreated);
            return "parent-" + parentsCreated;
        }

        @Override
        public void trialEnded(SweepSpec spec, SweepState.Trial trial, SweepState state, Map<String, String> tags) {
            events.add(trial.name + " " + trial.status.json());
            trialTags.add(tags);
        }

        @Override
        public void setTag(String key, String value) {
            events.add("tag " + key + "=" + value);
        }

        @Override
        public void logArtifact(Path file, String artifactDir) {
            artifacts.add(file.getFileName().toString());
        }

        @Override
        public void close(boolean sweepComplete) {
            closedComplete = sweepComplete;
        }

        List<String> eventList() {
            return List.copyOf(events);
        }
    }
}
