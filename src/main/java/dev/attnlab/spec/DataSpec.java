package dev.attnlab.spec;

/**
 * The {@code data} section: where documents come from and how they are split.
 * Defaults and meanings of every key live in {@link SpecSchema}.
 */
public record DataSpec(
        Source source,
        String dir,             // data directory ("" = $ATTNLAB_DATA or ~/.cache/attnlab/data)
        String path,            // text: the file; imdb/wikitext: optional explicit folder or file
        String textColumn,      // text: column / field holding the text
        String encoding,        // text: the file's character encoding (a Java charset name)
        Variant variant,        // wikitext only
        Format format,          // wikitext: auto | raw | tokens ; imdb: auto | csv | folder
        long maxLines,          // 0 = all
        long maxDocuments,      // 0 = all
        Split split,
        double valFraction,     // held-out fraction when split = fraction
        boolean download,       // fetch missing named datasets from their canonical address
        Preprocess preprocess,
        Synthetic synthetic) {

    public enum Source implements SpecChoice { IMDB, WIKITEXT, TEXT, SYNTHETIC }

    public enum Variant implements SpecChoice {
        WIKITEXT_2("wikitext-2"), WIKITEXT_103("wikitext-103");

        private final String value;

        Variant(String value) { this.value = value; }

        @Override public String value() { return value; }
    }

    public enum Format implements SpecChoice { AUTO, CSV, FOLDER, RAW, TOKENS }

    /** {@code dataset}: the dataset's own splits; {@code fraction}: a seeded held-out fraction of train. */
    public enum Split implements SpecChoice { DATASET, FRACTION }

    /** The notebooks' preprocessing; all off by default. */
    public record Preprocess(boolean lowercase, boolean stripBr, boolean spaceBeforePunct) { }

    /**
     * Repeated random tokens: each sequence is a random-length random prefix, then a random block
     * repeated {@code repeats} times. The block length is uniform in [minBlockLen, blockLen]: when it
     * varies, so does the distance between copies, and only an induction head can predict the repeat
     * (with a fixed distance a 1-layer model can learn "attend blockLen back" from positions alone).
     */
    public record Synthetic(int vocab, int minBlockLen, int blockLen, int repeats, int maxPrefix,
                            int trainSequences, int valSequences, int testSequences) {
        /** A fixed block length. */
        public Synthetic(int vocab, int blockLen, int repeats, int maxPrefix,
                         int trainSequences, int valSequences, int testSequences) {
            this(vocab, blockLen, blockLen, repeats, maxPrefix, trainSequences, valSequences, testSequences);
        }
    }
}
