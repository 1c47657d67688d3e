package dev.attnlab.tokenize;

import dev.attnlab.data.DataException;
import dev.attnlab.data.Downloader;
import dev.attnlab.data.RemoteFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the tokenizer a {@code tokenizer.kind} names, finding its vocabulary: {@code tokenizer.vocab}
 * if set (gpt2: a folder with encoder.json + vocab.bpe; bert: a vocab.txt or a folder holding one),
 * else {@code <data dir>/gpt2/} or {@code <data dir>/bert-base-*}/vocab.txt, fetched (sha256-checked)
 * when missing and downloads are allowed.
 */
public final class Tokenizers {

    public static final List<String> KINDS = List.of("none", "gpt2", "bert-base-cased", "bert-base-uncased");

    private Tokenizers() { }

    /** Loads {@code kind} ("none" is not a tokenizer: it fails). */
    public static Tokenizer load(String kind, String vocab, boolean specialTokens, Path dataDir, Downloader dl)
            throws IOException {
        String explicit = vocab == null ? "" : vocab.trim();
        switch (kind) {
            case "gpt2" -> {
                Path dir = explicit.isEmpty() ? dataDir.resolve("gpt2") : Path.of(explicit).toAbsolutePath();
                Path enc = dir.resolve(Gpt2Tokenizer.ENCODER_FILE), bpe = dir.resolve(Gpt2Tokenizer.MERGES_FILE);
                if (!explicit.isEmpty()) {
                    for (Path p : List.of(enc, bpe)) {
                        if (!Files.isRegularFile(p)) {
                            throw new DataException("tokenizer.vocab: " + dir + " has no " + p.getFileName()
                                    + " (gpt2 needs a folder with encoder.json and vocab.bpe)");
                        }
                    }
                } else {
                    dl.ensure(RemoteFile.of("gpt2/encoder.json"), dataDir, List.of(enc), "GPT-2 vocabulary (tokenizer.kind: gpt2)");
                    dl.ensure(RemoteFile.of("gpt2/vocab.bpe"), dataDir, List.of(bpe), "GPT-2 merges (tokenizer.kind: gpt2)");
                }
                return Gpt2Tokenizer.load(dir);
            }
            case "bert-base-cased", "bert-base-uncased" -> {
                Path file;
                if (explicit.isEmpty()) {
                    file = dataDir.resolve(kind).resolve(BertTokenizer.VOCAB_FILE);
                    dl.ensure(RemoteFile.of(kind + "/vocab.txt"), dataDir, List.of(file), "BERT vocabulary (tokenizer.kind: " + kind + ")");
                } else {
                    file = Path.of(explicit).toAbsolutePath();
                    if (Files.isDirectory(file)) file = file.resolve(BertTokenizer.VOCAB_FILE);
                    if (!Files.isRegularFile(file)) {
                        throw new DataException("tokenizer.vocab: " + file + " does not exist (bert needs a vocab.txt, one token per line)");
                    }
                }
                return BertTokenizer.load(kind, file, specialTokens);
            }
            case "none" -> throw new IllegalArgumentException("tokenizer.kind none has no tokenizer");
            default -> throw new DataException("tokenizer.kind: '" + kind + "' is not one of " + KINDS);
        }
    }
}
