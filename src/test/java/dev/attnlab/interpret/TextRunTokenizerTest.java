package dev.attnlab.interpret;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextRunTokenizerTest {

    @TempDir
    Path tmp;

    @Test
    void gpt2ByteLevelSymbolsDecodeToText() throws Exception {
        // "Ġ" is the shifted space byte; "Ã©" are the bytes C3 A9 of "é"; "Ċ" the newline byte
        Path enc = tmp.resolve("encoder.json");
        Files.writeString(enc, "{\"\\u0120the\": 0, \"hello\": 1, \"<|endoftext|>\": 2, \"\\u00c3\\u00a9\": 3, \"\\u010a\": 4}");
        String[] labels = TextRunTokenizer.gpt2Labels(enc, 5);
        assertEquals(" the", labels[0]);
        assertEquals("hello", labels[1]);
        assertEquals("<|endoftext|>", labels[2]);
        assertEquals("é", labels[3]);
        assertEquals("\n", labels[4]);
        assertEquals("·the", Heatmaps.shortLabel(labels[0]));
    }

    @Test
    void realGpt2VocabularyWhenPresent() throws Exception {
        Path enc = Path.of(System.getProperty("attnlab.shared", "../shared"), "data", "gpt2", "encoder.json");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(enc), "no shared GPT-2 vocabulary");
        String[] labels = TextRunTokenizer.gpt2Labels(enc, 50257);
        assertEquals(" the", labels[262]);
        assertEquals("<|endoftext|>", labels[50256]);
    }

    @Test
    void byteTableCoversEveryByteOnce() {
        int[] inv = TextRunTokenizer.symbolToByte();
        boolean[] seen = new boolean[256];
        for (int b : inv) {
            if (b >= 0) {
                assertEquals(false, seen[b]);
                seen[b] = true;
            }
        }
        for (boolean s : seen) assertEquals(true, s);
        assertEquals(' ', inv['\u0120']);
    }
}
