package dev.attnlab.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where documents come from: the dataset's own splits, each read in a fixed order.
 * Implementations: {@link ImdbSource}, {@link WikiTextSource}, {@link TextSource}, {@link SyntheticSource}.
 */
public interface DocumentSource {

    /** The spec's {@code data.source}. */
    String name();

    /** What exactly was read, e.g. "csv", "folder", "wikitext-2/raw", "jsonl". */
    String variant();

    /**
     * The dataset's own splits, named as the pipeline names them: a subset of train, val, test.
     * A source without splits of its own (a single text file) has just "train".
     */
    List<String> splits();

    /** Streams the documents of {@code split} in a fixed, documented order. */
    void read(String split, Consumer<Document> sink) throws IOException;

    /** The files (or folders) read, for the manifest's sha256s; empty for generated data. */
    List<Path> files();

    /** What the last {@link #read} skipped and the user should hear about, one sentence each. */
    default List<String> warnings() {
        return List.of();
    }
}
