package dev.attnlab.cli;

import dev.attnlab.spec.SpecDependencies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Lists the experiments and sweeps whose results may differ since a git revision (what CI reruns). */
@Command(name = "changed", mixinStandardHelpOptions = true,
        description = {"Lists the experiments (experiments/*.yaml) affected by changes since BASE:",
                "the spec itself, a file in its extends chain, its pipeline, or a file it references;",
                "then the sweeps (experiments/sweeps/*.yaml, listed as sweeps/NAME) whose file or base",
                "experiment is affected. Committed, uncommitted and untracked changes all count.",
                "One name per line."})
public final class ChangedCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "REF", description = "Git revision to compare with, e.g. origin/main.")
    String base;

    @Option(names = "--root", paramLabel = "DIR", description = "Repository root (default: current directory).")
    Path root = Path.of(".");

    @Override
    public Integer call() {
        try {
            for (String name : changedExperiments(root, base)) {
                System.out.println(name);
            }
            return 0;
        } catch (GitException e) {
            System.err.println("attnlab changed: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Names of the affected experiments (file names without .yaml), sorted, then of the affected
     * sweeps ({@code sweeps/NAME}), sorted.
     */
    static List<String> changedExperiments(Path root, String base) {
        Path top = Path.of(git(root, "rev-parse", "--show-toplevel").trim()).toAbsolutePath().normalize();
        Set<Path> changed = new HashSet<>();
        for (String line : git(top, "diff", "--name-only", "--no-renames", base, "--").split("\n")) {
            if (!line.isBlank()) changed.add(top.resolve(line).normalize());
        }
        for (String line : git(top, "ls-files", "--others", "--exclude-standard").split("\n")) {
            if (!line.isBlank()) changed.add(top.resolve(line).normalize());
        }
        List<String> out = new ArrayList<>();
        Path experiments = top.resolve("experiments");
        for (Path spec : yamlFiles(experiments)) {
            if (SpecDependencies.of(top, spec).stream().anyMatch(changed::contains)) out.add(nameOf(spec, ""));
        }
        for (Path sweep : yamlFiles(experiments.resolve("sweeps"))) {
            if (SpecDependencies.ofSweep(top, sweep).stream().anyMatch(changed::contains)) out.add(nameOf(sweep, "sweeps/"));
        }
        return out;
    }

    /** The .yaml files directly in a folder, sorted (none when it does not exist). */
    private static List<Path> yamlFiles(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new GitException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static String nameOf(Path spec, String prefix) {
        String f = spec.getFileName().toString();
        return prefix + f.substring(0, f.length() - ".yaml".length());
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new GitException("git " + String.join(" ", args) + " failed in " + dir + ": " + err.strip()
                        + (args[0].equals("diff") ? " (is --base a revision of this repository? in CI, fetch it first)" : ""));
            }
            return out;
        } catch (IOException e) {
            throw new GitException("cannot run git (is it installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException("interrupted while running git");
        }
    }

    static final class GitException extends RuntimeException {
        GitException(String message) {
            super(message);
        }
    }
}
