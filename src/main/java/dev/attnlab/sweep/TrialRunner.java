package dev.attnlab.sweep;

import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one trial: the base experiment with the trial's parameters as overrides. The sweep's
 * scheduling, early termination and resume logic only see this interface, so they are tested with
 * scripted trials; {@link ProcessTrialRunner} runs real ones.
 */
public interface TrialRunner {

    /**
     * Runs the trial to its end. Reports every metric value the trial logs, in order; when the
     * listener returns false the runner must end the trial promptly and return
     * {@link TrialStatus#KILLED}. An interrupt ends the trial too (returned as crashed, so a resumed
     * sweep reruns it).
     */
    Result run(Request request, Listener listener) throws InterruptedException;

    /**
     * @param overrides spec key path → value: the trial's parameters and the sweep's own settings
     *                  (threads, run name, MLflow experiment)
     * @param threads   ND4J/OpenMP threads the trial may use
     * @param tags      extra run tags for the trial's tracker ({@code mlflow.parentRunId}, sweep and trial ids)
     * @param trialDir  a folder for the trial's log and metric report
     * @param projectDir the project the trial runs in (pipelines, runs, stage cache); null = found
     *                  from the experiment's location
     */
    record Request(Path experiment, String trialName, Map<String, Object> overrides, int threads,
                   Map<String, String> tags, Path trialDir, Path projectDir) { }

    record Result(TrialStatus status, String message) {
        public static Result finished() {
            return new Result(TrialStatus.FINISHED, null);
        }
    }

    interface Listener {
        /** The trial's process started (its pid is saved so an orphan can be ended on resume). */
        default void started(long pid) {
        }

        /** A metric value the trial logged; return false to stop the trial. */
        boolean metric(String key, double value, long step);
    }
}
