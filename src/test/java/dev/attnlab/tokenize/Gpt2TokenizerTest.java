package dev.attnlab.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Gpt2TokenizerTest {

    private static Gpt2Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = Gpt2Tokenizer.load(SharedData.dir().resolve("gpt2"));
    }

    private static int[] ids(String text) {
        return tok.encode(text);
    }

    @Test
    void reproducesEveryReferenceEncoding() throws Exception {
        Path ref = SharedData.file("gpt2/reference_encodings.jsonl");
        ObjectMapper om = new ObjectMapper();
        List<String> failures = new ArrayList<>();
        int n = 0, totalIds = 0;
        for (String line : Files.readAllLines(ref)) {
            if (line.isBlank()) continue;
            JsonNode o = om.readTree(line);
            String text = o.get("text").asText();
            int[] want = om.treeToValue(o.get("ids"), int[].class);
            int[] got = ids(text);
            n++;
            totalIds += want.length;
            if (!java.util.Arrays.equals(want, got)) {
                failures.add(om.writeValueAsString(text) + "\n  want " + java.util.Arrays.toString(want)
                        + "\n  got  " + java.util.Arrays.toString(got));
            }
        }
        assertEquals(136, n, "reference file line count");
        assertTrue(totalIds > 10_000, "reference file holds real encodings");
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @Test
    void knownIdsAndVocabulary() {
        assertArrayEquals(new int[]{15496, 995}, ids("Hello world"));
        assertEquals(50257, tok.vocabSize());
        assertEquals(50256, tok.eotId());
        assertEquals(50256, tok.padId());
    }

    @Test
    void emptyTextHasNoIds() {
        assertEquals(0, ids("").length);
    }

    @Test
    void endOfTextInTextIsOrdinaryText() {
        int[] got = ids("<|endoftext|>");
        assertTrue(got.length > 1, "encoded as several ordinary tokens");
        for (int id : got) assertNotEquals(50256, id);
        // '<', '|', 'end', 'of', 'text', '|', '>' as GPT-2 splits it
        assertArrayEquals(new int[]{27, 91, 437, 1659, 5239, 91, 29}, got);
    }

    @Test
    void whitespaceRunsFollowTheRegex() {
        // a run of n spaces before a word: n-1 spaces alone, the last one prefixes the word
        assertArrayEquals(new int[]{220, 220, 3756, 9029}, ids("   leading spaces"));
        assertArrayEquals(new int[]{15496, 995, 220}, ids("Hello world "));
        assertArrayEquals(new int[]{628}, ids("\n\n"));
        assertArrayEquals(new int[]{34, 7836, 37, 201, 198, 1370}, ids("CRLF\r\nline"));
    }

    @Test
    void contractionsSplitOff() {
        assertArrayEquals(new int[]{9099, 470}, ids("don't"));
        assertArrayEquals(new int[]{40, 1101}, ids("I'm"));
        assertArrayEquals(new int[]{338}, ids("'s"));
    }

    @Test
    void emojiAndControlCharsRoundTripThroughBytes() {
        int[] emoji = ids("🙂");
        assertTrue(emoji.length >= 1 && emoji.length <= 4, "one 4-byte char → at most 4 byte tokens");
        int[] ctrl = ids("a\u0000b\u0007c");
        assertTrue(ctrl.length >= 3);
        // decoding back the bytes gives the same text
        assertEquals("🙂 a\u0000b\u0007c", decode(ids("🙂 a\u0000b\u0007c")));
    }

    @Test
    void veryLongWordsUseTheLinearTimeMergeAndAgreeWithShortPath() {
        String word = "a".repeat(100_000);
        long t0 = System.nanoTime();
        int[] got = ids(word);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(word, decode(got));
        assertTrue(ms < 10_000, "100k-char word took " + ms + " ms");
        // heap merge (long) and simple merge (short) give the same ids on a word of mixed pieces
        String piece = "internationalization";
        int[] shortIds = ids(piece);
        int[] longIds = ids(piece.repeat(5));
        assertEquals(piece.repeat(5), decode(longIds));
        assertTrue(shortIds.length > 0);
        String mixed = "Supercalifragilisticexpialidocious-antidisestablishmentarianism_pneumonoultramicroscopic";
        assertEquals(mixed, decode(ids(mixed)));
    }

    @Test
    void heapMergeAgreesWithSimpleMergeOnEveryReferencePreToken() throws Exception {
        ObjectMapper om = new ObjectMapper();
        int words = 0;
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(SharedData.file("gpt2/reference_encodings.jsonl"))) {
            if (!line.isBlank()) texts.add(om.readTree(line).get("text").asText());
        }
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 200; i++) { // long random words: mixed bytes exercise many merge orders
            StringBuilder sb = new StringBuilder();
            int n = 50 + rnd.nextInt(300);
            for (int k = 0; k < n; k++) sb.append("etaoinshrdlu".charAt(rnd.nextInt(12)));
            texts.add(sb.toString());
        }
        for (String text : texts) {
            for (int i = 0; i < text.length(); ) {
                int end = Gpt2Pretokenizer.next(text, i);
                assertArrayEquals(tok.bpe(text, i, end, false), tok.bpe(text, i, end, true), text.substring(i, end));
                words++;
                i = end;
            }
        }
        assertTrue(words > 15_000, "checked " + words + " pre-tokens");
    }

    @Test
    void cacheDoesNotChangeResults() {
        String text = "the cat sat on the mat, the cat sat on the mat.";
        int[] first = ids(text);
        int[] second = ids(text);
        assertArrayEquals(first, second);
    }

    /** Decodes ids back to text through encoder.json (test-only inverse). */
    private static String decode(int[] ids) {
        try {
            ObjectMapper om = new ObjectMapper();
            JsonNode enc = om.readTree(SharedData.file("gpt2/encoder.json").toFile());
            String[] byId = new String[50257];
            enc.fields().forEachRemaining(e -> byId[e.getValue().asInt()] = e.getKey());
            char[] b2u = Gpt2Tokenizer.byteToUnicode();
            int[] u2b = new int[512];
            for (int b = 0; b < 256; b++) u2b[b2u[b]] = b;
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int id : ids) for (char c : byId[id].toCharArray()) out.write(u2b[c]);
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
