package dev.attnlab.pipeline;

import dev.attnlab.data.IngestStage;
import dev.attnlab.eval.EvaluateStage;
import dev.attnlab.interpret.InterpretStage;
import dev.attnlab.spec.CanonicalJson;
import dev.attnlab.spec.ExperimentSpec;
import dev.attnlab.tokenize.TokenizeStage;
import dev.attnlab.train.TrainStage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test stage: takes the params of the real stage of the same name (so its keys behave as the real
 * pipeline's), writes {@code out.txt} (its name, its params and its inputs' out.txt), logs a metric at three steps and the file as an artifact. Counts its runs and can be
 * told to fail halfway (after writing part of its output).
 */
public final class FakeStage implements Stage<Record> {

    private static final Map<String, Stage<?>> REAL = Map.of("ingest", new IngestStage(), "tokenize", new TokenizeStage(),
            "train", new TrainStage(), "evaluate", new EvaluateStage(), "interpret", new InterpretStage());

    private final String name;
    private final int version;
    public final AtomicInteger runs = new AtomicInteger();
    public volatile boolean failHalfway;
    public volatile Runnable duringRun = () -> { };
    /** How many attempts this key's state directory had seen, counting this one (as a resuming stage would). */
    public volatile int attemptsSeen;
    /** Registers a stop handler (that does nothing: the stage finishes anyway) while it runs. */
    public volatile boolean registersStop;

    public FakeStage(String name, int version) {
        this.name = name;
        this.version = version;
    }

    public FakeStage(String name) {
        this(name, 1);
    }

    @Override public String name() { return name; }

    @Override public int version() { return version; }

    @Override
    public Record params(ExperimentSpec spec) {
        Stage<?> real = REAL.get(name);
        return real == null ? new StageParams.None() : real.params(spec);
    }

    @Override
    public String initFrom(Record params) {
        return params instanceof TrainStage.Params p ? p.train().initFrom() : "";
    }

    @Override
    public void run(Record params, StageContext ctx) throws Exception {
        runs.incrementAndGet();
        Path attempts = ctx.stateDir().resolve("attempts");
        attemptsSeen = (Files.exists(attempts) ? Integer.parseInt(Files.readString(attempts)) : 0) + 1;
        Files.writeString(attempts, Integer.toString(attemptsSeen));
        StringBuilder content = new StringBuilder(name).append('\n')
                .append(CanonicalJson.write(StageParams.tree(params))).append('\n');
        for (var in : ctx.inputs().entrySet()) {
            content.append(in.getKey()).append(": ").append(Files.readString(in.getValue().resolve("out.txt")));
        }
        Path out = ctx.outputDir().resolve("out.txt");
        Files.writeString(out, content.toString());
        Files.createDirectories(ctx.outputDir().resolve("sub"));
        Files.writeString(ctx.outputDir().resolve("sub/data.bin"), "x".repeat(1000));
        StopSignal.Registration onStop = registersStop ? ctx.stop().onStop(() -> { }) : () -> { };
        try (onStop; Progress.Task task = ctx.progress().start(name, 3, "steps")) {
            for (int step = 0; step < 3; step++) {
                duringRun.run();
                if (failHalfway && step == 1) {
                    throw new IllegalStateException("fake stage " + name + " failed on purpose");
                }
                ctx.tracker().logMetric(name + "/value", step * 10.0 + version, step);
                task.step(1);
            }
        }
        ctx.tracker().logArtifact(out, name);
        ctx.log().info("fake stage " + name + " wrote " + out.getFileName());
    }
}
