package dev.attnlab.tokenize;

/**
 * GPT-2's pre-tokenizer, hand-written: splits text exactly where the regex
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * (as run by tiktoken: Unicode letters, numbers and the White_Space property) would, but as a
 * single forward scan with a precomputed class table — several times faster than java.util.regex.
 */
final class Gpt2Pretokenizer {

    static final byte LETTER = 0, NUMBER = 1, SPACE = 2, OTHER = 3;

    /** Character class of every BMP code point. */
    private static final byte[] BMP = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) {
            BMP[c] = classify(c);
        }
    }

    private Gpt2Pretokenizer() { }

    private static byte classify(int cp) {
        if (isWhiteSpace(cp)) return SPACE;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode's White_Space property (what {@code \s} means in tiktoken's regex engine). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    static byte classOf(int cp) {
        return cp < 65536 ? BMP[cp] : classify(cp);
    }

    /** Class of the code point starting at char index {@code i}. */
    private static byte classAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            return classify(Character.toCodePoint(c, s.charAt(i + 1)));
        }
        return BMP[c];
    }

    /** Char length of the code point starting at {@code i}. */
    private static int cpLen(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
    }

    /** End (exclusive char index) of the pre-token that starts at {@code i < s.length()}. */
    static int next(String s, int i) {
        final int n = s.length();
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < n) {
            char c1 = s.charAt(i + 1);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
            if (i + 2 < n) {
                char c2 = s.charAt(i + 2);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
            }
        }
        int j = i;
        byte cls = classAt(s, i);
        if (c == ' ' && i + 1 < n) {
            byte after = classAt(s, i + 1);
            if (after != SPACE) { // " ?X+" takes the one leading space
                cls = after;
                j = i + 1;
            }
        }
        if (cls != SPACE) {
            j += cpLen(s, j);
            while (j < n && classAt(s, j) == cls) {
                j += cpLen(s, j);
            }
            return j;
        }
        // a whitespace run (whitespace code points are all in the BMP)
        j = i + 1;
        while (j < n && BMP[s.charAt(j)] == SPACE) {
            j++;
        }
        if (j == n) return n;            // \s+(?!\S) to the end of the text
        if (j - i >= 2) return j - 1;    // \s+(?!\S) leaves the last space to prefix the next word
        return j;                        // \s+ : a single whitespace char before a non-space
    }
}
