package dev.attnlab.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** A SPEC argument: a file path, or an experiment name looked up as {@code experiments/<name>.yaml}. */
final class SpecArgument {

    private SpecArgument() { }

    static Path resolve(String arg, Path projectDir) {
        Path direct = Path.of(arg);
        if (Files.isRegularFile(direct)) {
            return direct;
        }
        Path base = projectDir != null ? projectDir : Path.of("");
        for (Path candidate : new Path[] {base.resolve("experiments").resolve(arg + ".yaml"),
                base.resolve("experiments").resolve(arg)}) {
            if (!arg.contains("/") && Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new UserError("spec not found: " + arg + " (give a file path, or the name of a spec in "
                + base.toAbsolutePath().normalize().resolve("experiments") + ")", Main.EXIT_USAGE);
    }
}
