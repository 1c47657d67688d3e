package dev.attnlab.cli;

import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.mlflow.MlflowException;
import dev.attnlab.tracking.mlflow.MlflowRest;
import dev.attnlab.tracking.mlflow.MlflowSettings;
import dev.attnlab.tracking.mlflow.MlflowSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code attnlab sync RUN_DIR...}: sends what runs journaled while MLflow was unreachable. */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = {"Send to the MLflow server everything the given runs journaled but could not send",
                "(server down, network gone). Safe to repeat: nothing is sent twice.",
                "Server and credentials: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN or",
                "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD."})
public final class SyncCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "run directories (each holds mlflow/journal.jsonl)")
    List<Path> runDirs;

    @Override
    public Integer call() {
        MlflowSettings settings;
        try {
            settings = MlflowSettings.fromEnv();
        } catch (IllegalArgumentException e) {
            System.err.println("attnlab sync: " + e.getMessage());
            return 2;
        }
        int incomplete = 0;
        try (MlflowRest rest = new MlflowRest(settings)) {
            for (Path dir : runDirs) {
                try {
                    MlflowSync.Result r = MlflowSync.sync(dir, rest, RunLog.STDERR);
                    if (r.complete()) {
                        System.out.println(dir + ": sent " + r.sent() + " journal entries"
                                + (r.alreadyDone() > 0 ? " (" + r.alreadyDone() + " were already on the server)" : "")
                                + r.runUrl().map(u -> " -> " + u).orElse(""));
                    } else {
                        incomplete++;
                        System.err.println("attnlab sync: " + dir + ": " + r.left() + " entries still unsent: "
                                + r.problem() + "; run `attnlab sync` again when the server is reachable");
                    }
                } catch (MlflowException e) {
                    System.err.println("attnlab sync: " + dir + ": " + e.getMessage());
                    return 3;
                } catch (IOException e) {
                    incomplete++;
                    System.err.println("attnlab sync: " + e.getMessage());
                }
            }
        }
        return incomplete == 0 ? 0 : 1;
    }
}
