package dev.attnlab.pipeline;

import java.nio.file.Path;
import java.util.List;

/**
 * A pipeline as declared in {@code pipelines/<name>.yaml}: the graph, stages in dependency order,
 * each with the stages whose outputs it takes. What each stage reads from the spec is declared by
 * the stage itself ({@link Stage#params}).
 */
public record PipelineDefinition(String name, Path file, List<StageNode> stages) {

    /** One stage of a pipeline; {@code location} is file:line:col of its entry, for errors. */
    public record StageNode(String name, List<String> inputs, String location) { }

    public StageNode stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no stage '" + name + "' in pipeline " + this.name));
    }

    public List<String> stageNames() {
        return stages.stream().map(StageNode::name).toList();
    }
}
