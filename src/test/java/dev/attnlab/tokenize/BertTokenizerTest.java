package dev.attnlab.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BertTokenizerTest {

    private static BertTokenizer uncased(boolean special) throws Exception {
        return BertTokenizer.load("bert-base-uncased", SharedData.file("bert-base-uncased/vocab.txt"), special);
    }

    private static BertTokenizer cased(boolean special) throws Exception {
        return BertTokenizer.load("bert-base-cased", SharedData.file("bert-base-cased/vocab.txt"), special);
    }

    @Test
    void uncasedReproducesEveryReferenceEncoding() throws Exception {
        BertTokenizer tok = uncased(true);
        Path ref = SharedData.file("bert-base-uncased/reference_encodings.jsonl");
        ObjectMapper om = new ObjectMapper();
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(ref)) {
            if (line.isBlank()) continue;
            JsonNode o = om.readTree(line);
            String text = o.get("text").asText();
            int[] want = om.treeToValue(o.get("ids"), int[].class);
            int[] got = tok.encode(text);
            n++;
            if (!Arrays.equals(want, got)) {
                failures.add(om.writeValueAsString(text) + "\n  want " + Arrays.toString(want) + "\n  got  " + Arrays.toString(got));
            }
        }
        assertEquals(136, n, "reference file line count");
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @Test
    void casedSanityIdsFromSources() throws Exception {
        BertTokenizer tok = cased(false);
        assertEquals(28996, tok.vocabSize());
        assertEquals(102, tok.eotId());
        assertEquals(0, tok.padId());
        // ids from bert-base-cased/SOURCES.md: The=1109 the=1103 world=1362 hello=19082 !=106 .=119
        assertArrayEquals(new int[]{1109, 1103, 1362, 19082, 106, 119}, tok.encode("The the world hello!."));
        // cased keeps accents and case: "Hello" is not "hello"
        assertNotEquals(tok.encode("Hello")[0], tok.encode("hello")[0]);
        BertTokenizer special = cased(true);
        assertArrayEquals(new int[]{101, 1362, 102}, special.encode("world"));
    }

    @Test
    void uncasedSanityIds() throws Exception {
        BertTokenizer tok = uncased(false);
        assertEquals(30522, tok.vocabSize());
        assertArrayEquals(new int[]{7592, 2088, 999}, tok.encode("Hello WORLD!"));
        assertArrayEquals(new int[]{101, 102}, uncased(true).encode(""));
    }

    /** Expected ids computed with Google's tokenization.py (FullTokenizer, do_lower_case=True). */
    @Test
    void followsGooglesReferenceWhereLibrariesDiffer() throws Exception {
        BertTokenizer tok = uncased(false);
        // Python's final-sigma rule: ΟΔΟΣ → οδος, ΣΑΣ → σας; Σ after a non-cased char stays σ
        assertArrayEquals(new int[]{1169, 29722, 15297, 1173, 14608, 19579}, tok.encode("ΟΔΟΣ ΣΑΣ"));
        // [CLS] inside text is ordinary text; ² and … are not cased, so Σ → σ (29733, 1173)
        assertArrayEquals(new int[]{1037, 10701, 29733, 1529, 1006, 1014, 19310, 1031, 18856, 2015, 1033, 1173, 1031},
                tok.encode("a²Σ…(0ß[CLS]Σ["));
        // only Cc/Cf are dropped: private-use U+E000 and noncharacter U+FFFF stay and become [UNK]
        assertArrayEquals(new int[]{100}, tok.encode("\ue0009"));
        assertArrayEquals(new int[]{1033, 1026, 100, 1746, 1861}, tok.encode("]\u0000\t<\uffff中文"));
        assertArrayEquals(new int[]{9960}, tok.encode("İstanbul"), "İ lowercases to i + combining dot, then stripped");
    }

    @Test
    void edgeCases() throws Exception {
        BertTokenizer tok = uncased(false);
        assertEquals(0, tok.encode("").length, "empty text");
        assertEquals(0, tok.encode(" \t\r\n\u0000\u0007\u200b\ufeff").length, "only whitespace/control/format chars");
        assertArrayEquals(tok.encode("ab"), tok.encode("a\u0000b"), "NUL is dropped, not a separator");
        int[] emoji = tok.encode("ok 🙂");
        assertEquals(tok.unkId(), emoji[emoji.length - 1], "an emoji not in the vocab is [UNK]");
        assertArrayEquals(new int[]{tok.unkId()}, tok.encode("a".repeat(101)), "over 100 chars → [UNK]");
        assertNotEquals(tok.unkId(), tok.encode("a".repeat(100))[0], "100 chars are still word-pieced");
        // <|endoftext|> is ordinary text: punctuation-split pieces
        assertArrayEquals(tok.encode("< | endoftext | >"), tok.encode("<|endoftext|>"));
        assertArrayEquals(tok.encode("cafe"), tok.encode("CAFÉ"), "accents stripped, lowercased");
    }
}
