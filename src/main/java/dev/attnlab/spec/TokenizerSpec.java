package dev.attnlab.spec;

/** The {@code tokenizer} section. */
public record TokenizerSpec(
        Kind kind,
        String vocab,           // vocab.txt (bert) or folder with encoder.json + vocab.bpe (gpt2); "" = bundled / data dir
        Packing packing,
        boolean specialTokens) { // bert: wrap each document in [CLS] ... [SEP]

    /** {@code none} passes synthetic ids through. */
    public enum Kind implements SpecChoice {
        NONE("none"), GPT2("gpt2"), BERT_BASE_CASED("bert-base-cased"), BERT_BASE_UNCASED("bert-base-uncased");

        private final String value;

        Kind(String value) { this.value = value; }

        @Override public String value() { return value; }

        public boolean isBert() { return this == BERT_BASE_CASED || this == BERT_BASE_UNCASED; }
    }

    /** {@code concat} joins documents into one stream; {@code truncate} keeps one window per document. */
    public enum Packing implements SpecChoice { CONCAT, TRUNCATE }
}
