package dev.attnlab.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a project keeps its things: {@code pipelines/}, {@code experiments/}, {@code runs/} and the
 * stage cache ({@code .attnlab/cache/} or {@code $ATTNLAB_CACHE}). {@code $ATTNLAB_RUNS} moves the run
 * directories elsewhere (tests and CI keep them out of the checkout's runs/).
 */
public record ProjectLayout(Path root, Path pipelinesDir, Path experimentsDir, Path runsDir, Path cacheDir) {

    public static ProjectLayout at(Path root) {
        Path r = root.toAbsolutePath().normalize();
        return new ProjectLayout(r, r.resolve("pipelines"), r.resolve("experiments"), runsDir(r),
                StageCache.defaultRoot(r).toAbsolutePath().normalize());
    }

    private static Path runsDir(Path root) {
        String env = System.getenv("ATTNLAB_RUNS");
        return env == null || env.isBlank() ? root.resolve("runs") : Path.of(env).toAbsolutePath().normalize();
    }

    /**
     * The nearest directory holding {@code pipelines/}, searching up from {@code start} (usually the
     * spec's directory) and then from the working directory; the working directory if none does.
     */
    public static ProjectLayout discover(Path start) {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path from : new Path[] {start == null ? cwd : start.toAbsolutePath().normalize(), cwd}) {
            for (Path p = from; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("pipelines"))) {
                    return at(p);
                }
            }
        }
        return at(cwd);
    }
}
