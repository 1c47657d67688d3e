package dev.attnlab.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The project's git commit and whether the work tree has changes, for run tags. */
public record GitInfo(String commit, boolean dirty) {

    public static final GitInfo UNKNOWN = new GitInfo("unknown", false);

    public static GitInfo of(Path dir) {
        String commit = git(dir, "rev-parse", "HEAD");
        if (commit == null || commit.isBlank()) {
            return UNKNOWN;
        }
        String status = git(dir, "status", "--porcelain");
        return new GitInfo(commit.trim(), status == null || !status.isBlank());
    }

    private static String git(Path dir, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "git";
        cmd[1] = "-C";
        cmd[2] = dir.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null; // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
