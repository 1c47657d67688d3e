package dev.attnlab.interpret;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.data.DataDirs;
import dev.attnlab.data.Downloader;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.spec.TokenizerSpec;
import dev.attnlab.tokenize.BertTokenizer;
import dev.attnlab.tokenize.Gpt2Tokenizer;
import dev.attnlab.tokenize.Tokenizer;
import dev.attnlab.tokenize.Tokenizers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The run's text tokenizer (gpt2, bert-*): prompts are encoded by the tokenize package's tokenizer,
 * and ids are shown as the vocabulary's own strings — GPT-2's byte-level symbols decoded back to
 * UTF-8 text, BERT's vocab.txt entries.
 */
final class TextRunTokenizer implements RunTokenizer {

    private final Tokenizer tokenizer;
    private final String[] labels;

    private TextRunTokenizer(Tokenizer tokenizer, String[] labels) {
        this.tokenizer = tokenizer;
        this.labels = labels;
    }

    /** The tokenizer {@code t} names, with its vocabulary from {@code dataDir} ("" = the default data directory). */
    static RunTokenizer load(TokenizerSpec t, String dataDirSetting, boolean download, Progress progress, RunLog log)
            throws IOException {
        Path dataDir = DataDirs.resolve(dataDirSetting);
        Tokenizer tok = Tokenizers.load(t.kind().value(), t.vocab(), t.specialTokens(), dataDir,
                Downloader.fromEnvironment(download, progress, log));
        String explicit = t.vocab() == null ? "" : t.vocab().trim();
        String[] labels;
        if (t.kind() == TokenizerSpec.Kind.GPT2) {
            Path dir = explicit.isEmpty() ? dataDir.resolve("gpt2") : Path.of(explicit);
            labels = gpt2Labels(dir.resolve(Gpt2Tokenizer.ENCODER_FILE), tok.vocabSize());
        } else {
            Path file = explicit.isEmpty() ? dataDir.resolve(t.kind().value()).resolve(BertTokenizer.VOCAB_FILE) : Path.of(explicit);
            if (Files.isDirectory(file)) file = file.resolve(BertTokenizer.VOCAB_FILE);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            labels = lines.toArray(new String[0]);
        }
        return new TextRunTokenizer(tok, labels);
    }

    @Override
    public int[] encode(String prompt) {
        return tokenizer.encode(prompt);
    }

    @Override
    public String label(int id) {
        return id >= 0 && id < labels.length && labels[id] != null ? labels[id] : Integer.toString(id);
    }

    /** encoder.json maps byte-level symbols to ids; invert it and turn each symbol back into text. */
    static String[] gpt2Labels(Path encoderJson, int vocab) throws IOException {
        Map<String, Integer> enc = new ObjectMapper().readValue(encoderJson.toFile(), new TypeReference<Map<String, Integer>>() { });
        int[] byteOf = symbolToByte();
        String[] out = new String[Math.max(vocab, enc.size())];
        for (Map.Entry<String, Integer> e : enc.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= out.length) continue;
            String sym = e.getKey();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean special = false;
            for (int i = 0; i < sym.length(); i++) {
                char c = sym.charAt(i);
                if (c < byteOf.length && byteOf[c] >= 0) {
                    bytes.write(byteOf[c]);
                } else {
                    special = true;
                    break;
                }
            }
            out[id] = special ? sym : bytes.toString(StandardCharsets.UTF_8);
        }
        return out;
    }

    /**
     * GPT-2's byte-to-symbol table, inverted: printable bytes (33..126, 161..172, 174..255) stand for
     * themselves; the other 68 bytes were shifted to 256, 257, ... in byte order.
     */
    static int[] symbolToByte() {
        int[] inv = new int[512];
        java.util.Arrays.fill(inv, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            int sym = printable ? b : 256 + shifted++;
            inv[sym] = b;
        }
        return inv;
    }
}
