package dev.attnlab.tokenize;

/**
 * Text → token ids. Implementations are not thread-safe (they keep per-instance caches and
 * scratch buffers); make one per thread.
 */
public interface Tokenizer {

    /** The spec's {@code tokenizer.kind}: gpt2, bert-base-cased, bert-base-uncased. */
    String kind();

    int vocabSize();

    /** The id that separates documents in {@code concat} packing (gpt2 {@code <|endoftext|>}, bert {@code [SEP]}). */
    int eotId();

    /** The id used to pad {@code truncate} rows (bert {@code [PAD]}; gpt2 has none, so its end-of-text id). */
    int padId();

    /** sha256 over the vocabulary files and settings: changes whenever the ids could change. */
    String identityHash();

    /** Appends the ids of {@code text} to {@code out}; special tokens in the text are encoded as ordinary text. */
    void encode(String text, IntList out);

    default int[] encode(String text) {
        IntList out = new IntList(Math.max(16, text.length() / 3));
        encode(text, out);
        return out.toArray();
    }
}
