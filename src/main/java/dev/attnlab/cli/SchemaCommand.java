package dev.attnlab.cli;

import dev.attnlab.spec.SpecSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Print every spec key with its type, default, allowed values and meaning.")
final class SchemaCommand implements Callable<Integer> {

    @ParentCommand
    private Main parent;

    @Option(names = "--markdown", description = "As the Markdown table of docs/spec-reference.md.")
    private boolean markdown;

    @Override
    public Integer call() {
        if (markdown) {
            parent.context().out().print(SpecSchema.markdown());
            return 0;
        }
        for (SpecSchema.Key k : SpecSchema.keys()) {
            if (k.type() == SpecSchema.Type.SECTION) {
                parent.context().out().printf("%s:%n", k.path());
                continue;
            }
            String def = k.required() ? "(required)" : String.valueOf(k.defaultValue());
            String allowed = k.allowed().isEmpty() ? (k.type().label() + " " + k.range()).trim()
                    : String.join("|", k.allowed());
            parent.context().out().printf("  %-36s %-24s %-14s %s%n", k.path(), allowed, def, k.meaning());
        }
        return 0;
    }
}
