package dev.attnlab.tracking.mlflow;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;
import dev.attnlab.tracking.Tracker;

import java.nio.file.Path;
import java.util.Map;

/** A run that logs until it is killed: the child process of {@link MlflowInterruptTest}. Args: RUN_DIR URI */
public final class InterruptedRun {
    public static void main(String[] args) throws Exception {
        Tracker t = new MlflowBackend(MlflowServers.env(args[1]), MlflowServers.FAST).open(
                MlflowServers.spec("interrupted", "attnlab-interrupt-" + java.util.UUID.randomUUID(), null, Map.of()),
                Path.of(args[0]), Map.of(), RunLog.STDERR);
        // what the runner's shutdown hook does: the owner ends the run, with how it ended
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            t.setTag(RunStatus.RUNNER_TAG, "interrupted");
            t.close();
        }));
        for (long step = 0; ; step++) {
            t.logMetric("train/loss", 1.0 / (step + 1), step);
            if (step == 500) {
                System.out.println("READY");
                System.out.flush();
            }
            Thread.sleep(1);
        }
    }
}
