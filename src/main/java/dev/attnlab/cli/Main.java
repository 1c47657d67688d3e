package dev.attnlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** attnlab's command line. Subcommands are registered here, one class each in this package. */
@Command(name = "attnlab", mixinStandardHelpOptions = true, version = "attnlab 0.1.0",
        description = "Declarative experiments on small attention-only transformers, tracked in MLflow.",
        subcommands = {CommandLine.HelpCommand.class, SyncCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
