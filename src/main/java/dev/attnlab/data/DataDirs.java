package dev.attnlab.data;

import java.nio.file.Path;
import java.util.Map;

/**
 * The data directory: {@code data.dir} if set (relative paths resolve against the working
 * directory, {@code ~/} against the home folder), else {@code $ATTNLAB_DATA}, else
 * {@code ~/.cache/attnlab/data}. Layout under it: {@code imdb/train.csv|test.csv} or
 * {@code imdb/aclImdb/...}, {@code wikitext-2/wiki.*.raw|tokens}, {@code wikitext-103/...},
 * {@code gpt2/encoder.json + vocab.bpe}, {@code bert-base-*}/vocab.txt — the layout of shared/data.
 */
public final class DataDirs {

    public static final String ENV = "ATTNLAB_DATA";

    private DataDirs() { }

    public static Path resolve(String specDir) {
        return resolve(specDir, System.getenv());
    }

    static Path resolve(String specDir, Map<String, String> env) {
        String home = System.getProperty("user.home");
        if (specDir != null && !specDir.isBlank()) return expand(specDir, home);
        String e = env.get(ENV);
        if (e != null && !e.isBlank()) return expand(e, home);
        return Path.of(home, ".cache", "attnlab", "data");
    }

    static Path expand(String p, String home) {
        if (p.equals("~")) return Path.of(home);
        if (p.startsWith("~/")) return Path.of(home, p.substring(2));
        return Path.of(p).toAbsolutePath().normalize();
    }
}
