package dev.attnlab.sweep;

import java.nio.file.Path;
import java.util.Map;

/**
 * The sweep's side of tracking: one parent run for the sweep, found again on resume by its
 * {@code attnlab.sweep_id} tag. The trials' own runs are opened by the runner in each trial
 * process; the sweep passes the parent id to them as a tag (see {@link TrialEnvironment}).
 */
public interface SweepTracker extends AutoCloseable {

    /**
     * Finds the parent run of sweep {@code sweepId} (trying {@code knownRunId} first) or creates it,
     * logging the sweep spec as params and artifact.
     *
     * @return the parent run id, or null when tracking is off
     */
    String openParent(SweepSpec spec, String sweepId, String knownRunId) throws Exception;

    /**
     * A trial ended ({@code state}: the sweep as of then): records its metric on the parent (step =
     * trial index) and the best so far (step = trials finished so far, so its latest value, which
     * the runs table shows, is the sweep's best) and, for a killed trial, marks its child run KILLED
     * with the reason as a tag.
     */
    void trialEnded(SweepSpec spec, SweepState.Trial trial, SweepState state, Map<String, String> trialTags);

    void setTag(String key, String value);

    void logArtifact(Path file, String artifactDir);

    /**
     * Ends the parent run: FINISHED when every trial finished, was killed or diverged, else FAILED (crashed or
     * interrupted trials remain; a resume reopens the run).
     */
    void close(boolean sweepComplete);

    @Override
    default void close() {
        close(false);
    }

    SweepTracker NONE = new SweepTracker() {
        @Override public String openParent(SweepSpec spec, String sweepId, String knownRunId) { return null; }
        @Override public void trialEnded(SweepSpec spec, SweepState.Trial trial, SweepState state,
                                         Map<String, String> trialTags) { }
        @Override public void setTag(String key, String value) { }
        @Override public void logArtifact(Path file, String artifactDir) { }
        @Override public void close(boolean sweepComplete) { }
    };
}
