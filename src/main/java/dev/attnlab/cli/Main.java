package dev.attnlab.cli;

import dev.attnlab.pipeline.ExperimentRunner;
import dev.attnlab.pipeline.StageUnavailableException;
import dev.attnlab.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/** attnlab's command line. Subcommands are registered here, one class each in this package. */
@Command(name = "attnlab", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Declarative experiments on small attention-only transformers, tracked in MLflow.",
        subcommands = {CommandLine.HelpCommand.class, RunCommand.class, ValidateCommand.class,
                ListCommand.class, ShowCommand.class, SchemaCommand.class, TokenizeCommand.class, SyncCommand.class, SweepCommand.class,
                ChangedCommand.class})
public final class Main implements Runnable {

    /** Exit codes: 0 ok, 1 a run failed, 2 bad spec / usage, 130 interrupted. */
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INTERRUPTED = 130;

    private final CliContext context;
    private boolean debug;

    public Main() {
        this(CliContext.fromClassPath());
    }

    public Main(CliContext context) {
        this.context = context;
    }

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print Java stack traces for errors (for bug reports).")
    void setDebug(boolean debug) {
        this.debug = debug;
    }

    public CliContext context() {
        return context;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(context.out());
    }

    public static void main(String[] args) {
        System.exit(execute(args, CliContext.fromClassPath()));
    }

    /** Runs the command line with {@code context}; returns the exit code (tests call this). */
    public static int execute(String[] args, CliContext context) {
        Main main = new Main(context);
        CommandLine cmd = new CommandLine(main);
        cmd.setOut(new java.io.PrintWriter(context.out(), true));
        cmd.setErr(new java.io.PrintWriter(context.err(), true));
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> report(ex, main.debug, context.err()));
        return cmd.execute(args);
    }

    /** One clear paragraph per error; a stack trace only with --debug. */
    static int report(Exception ex, boolean debug, PrintStream err) {
        int code;
        if (ex instanceof SpecException se) {
            err.println("error: " + (se.problems().size() == 1 ? "1 problem" : se.problems().size() + " problems")
                    + " in the spec:");
            se.problems().forEach(p -> err.println("  " + p));
            code = EXIT_USAGE;
        } else if (ex instanceof UserError ue) {
            err.println("error: " + ue.getMessage());
            code = ue.exitCode();
        } else if (ex instanceof StageUnavailableException) {
            err.println("error: " + ex.getMessage());
            code = EXIT_FAILED;
        } else {
            err.println("error: " + ExperimentRunner.describe(ex)
                    + (debug ? "" : " (run with --debug for the stack trace)"));
            code = EXIT_FAILED;
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        return code;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"attnlab " + dev.attnlab.pipeline.Version.get()};
        }
    }
}
