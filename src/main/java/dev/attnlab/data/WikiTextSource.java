package dev.attnlab.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * WikiText-2 / WikiText-103 (Merity et al. 2016): {@code wiki.{train,valid,test}.{raw,tokens}} in one
 * folder, one paragraph or heading per line. Each non-blank line is a document, kept exactly as in
 * the file (leading/trailing spaces included, newline removed); blank lines (the files write them as
 * a single space) are dropped. {@code maxLines > 0} reads only the first N physical lines of the
 * train split (blank ones count), e.g. the notebooks' "600K datapoints" = first 600,000 lines of
 * wikitext-103 train. valid becomes the pipeline's val split.
 */
public final class WikiTextSource implements DocumentSource {

    private final Path dir;
    private final String variant;
    private final String ext;
    private final long maxLines;

    public WikiTextSource(Path dir, String variant, String ext, long maxLines) {
        this.dir = dir;
        this.variant = variant;
        this.ext = ext;
        this.maxLines = maxLines;
    }

    /** The file of one pipeline split. */
    public Path file(String split) {
        String name = split.equals("val") ? "valid" : split;
        return dir.resolve("wiki." + name + "." + ext);
    }

    @Override public String name() { return "wikitext"; }

    @Override public String variant() { return variant + "/" + ext; }

    @Override public List<String> splits() { return List.of("train", "val", "test"); }

    @Override
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String s : splits()) out.add(file(s));
        return out;
    }

    @Override
    public void read(String split, Consumer<Document> sink) throws IOException {
        Path f = file(split);
        if (!Files.isRegularFile(f)) throw new DataException(f + ": missing WikiText file");
        long limit = split.equals("train") && maxLines > 0 ? maxLines : Long.MAX_VALUE;
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while (n < limit && (line = r.readLine()) != null) {
                n++;
                if (!line.isBlank()) sink.accept(Document.text(line, null));
            }
        }
    }
}
