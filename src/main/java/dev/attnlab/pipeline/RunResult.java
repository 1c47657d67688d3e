package dev.attnlab.pipeline;

import java.nio.file.Path;
import java.util.List;

/** How a run ended, stage by stage. {@code error} is a one-paragraph message when it did not complete. */
public record RunResult(Path runDir, Status status, List<StageOutcome> stages, String error) {

    public enum Status { COMPLETED, FAILED, INTERRUPTED }

    /** One stage: its key, whether it came from the cache ("hit") or ran ("miss"), and its output directory. */
    /** {@code reason}: why a stage that was not a cache hit ran (what changed since the spec's last run), else null. */
    public record StageOutcome(String name, int version, String key, String cache, String reason, double seconds,
                               Path outputDir) { }

    public boolean ok() {
        return status == Status.COMPLETED;
    }

    public StageOutcome stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("stage '" + name + "' did not run"));
    }
}
