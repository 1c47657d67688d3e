package dev.attnlab.pipeline;

import java.nio.file.Path;
import java.util.List;

/**
 * A pipeline as declared in {@code pipelines/<name>.yaml}: stages in declaration order, each with
 * the spec sections it reads and the stages whose outputs it takes.
 */
public record PipelineDefinition(String name, Path file, List<StageNode> stages) {

    /** One stage of a pipeline; {@code location} is file:line:col of its entry, for errors. */
    public record StageNode(String name, List<String> reads, List<String> inputs, String location) { }

    public StageNode stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no stage '" + name + "' in pipeline " + this.name));
    }

    public List<String> stageNames() {
        return stages.stream().map(StageNode::name).toList();
    }
}
