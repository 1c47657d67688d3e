package dev.attnlab.spec;

/** The {@code tokenizer} section. */
public record TokenizerSpec(
        String kind,            // none (synthetic ids) | gpt2 | bert-base-cased | bert-base-uncased
        String vocab,           // vocab.txt (bert) or folder with encoder.json + vocab.bpe (gpt2); "" = bundled / data dir
        String packing,         // concat | truncate
        boolean specialTokens) { // bert: wrap each document in [CLS] ... [SEP]
}
