package dev.attnlab.tokenize;

import dev.attnlab.io.Hashing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer with its BasicTokenizer, as in Google's {@code tokenization.py}:
 * clean text (drop NUL, U+FFFD and control (Cc) / format (Cf) chars, whitespace → space), spaces around CJK
 * ideographs, whitespace split, lowercase + NFD accent stripping (uncased only), punctuation split,
 * then greedy longest-match-first WordPiece with {@code ##} continuations; a word over 100 code
 * points or with an unmatchable piece becomes {@code [UNK]}.
 */
public final class BertTokenizer implements Tokenizer {

    public static final String VOCAB_FILE = "vocab.txt";
    /** As in Hugging Face's BERT tokenizers (Google's tokenization.py defaults to 200). */
    private static final int MAX_WORD_CHARS = 100;

    private final String kind;
    private final boolean uncased;
    private final boolean specialTokens;
    private final Map<String, Integer> vocab;
    private final int unk, cls, sep, pad;
    private final int vocabSize;
    private final String identityHash;
    private final StringBuilder scratch = new StringBuilder();

    private BertTokenizer(String kind, boolean uncased, boolean specialTokens, Map<String, Integer> vocab,
                          String identityHash, Path file) throws IOException {
        this.kind = kind;
        this.uncased = uncased;
        this.specialTokens = specialTokens;
        this.vocab = vocab;
        this.identityHash = identityHash;
        this.unk = require(vocab, "[UNK]", file);
        this.cls = require(vocab, "[CLS]", file);
        this.sep = require(vocab, "[SEP]", file);
        this.pad = require(vocab, "[PAD]", file);
        int max = -1;
        for (int v : vocab.values()) max = Math.max(max, v);
        this.vocabSize = max + 1;
    }

    private static int require(Map<String, Integer> vocab, String token, Path file) throws IOException {
        Integer id = vocab.get(token);
        if (id == null) throw new IOException(file + ": the vocabulary has no " + token + " token; is it a BERT vocab.txt?");
        return id;
    }

    /**
     * Loads a {@code vocab.txt} (one token per line, id = 0-based line number).
     *
     * @param kind          bert-base-cased or bert-base-uncased (uncased lowercases and strips accents)
     * @param specialTokens wrap every document in [CLS] ... [SEP]
     */
    public static BertTokenizer load(String kind, Path vocabFile, boolean specialTokens) throws IOException {
        boolean uncased = switch (kind) {
            case "bert-base-uncased" -> true;
            case "bert-base-cased" -> false;
            default -> throw new IllegalArgumentException("not a BERT tokenizer kind: " + kind);
        };
        byte[] bytes = Files.readAllBytes(vocabFile);
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        int n = lines.length;
        if (n > 0 && lines[n - 1].isEmpty()) n--; // trailing newline
        Map<String, Integer> vocab = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String t = lines[i];
            if (t.endsWith("\r")) t = t.substring(0, t.length() - 1);
            vocab.putIfAbsent(t, i);
        }
        String id = Hashing.sha256(bytes, (kind + ";special=" + specialTokens).getBytes(StandardCharsets.UTF_8));
        return new BertTokenizer(kind, uncased, specialTokens, vocab, id, vocabFile);
    }

    @Override public String kind() { return kind; }

    @Override public int vocabSize() { return vocabSize; }

    @Override public int eotId() { return sep; }

    @Override public int padId() { return pad; }

    @Override public String identityHash() { return identityHash; }

    public boolean specialTokens() { return specialTokens; }

    public int clsId() { return cls; }

    public int sepId() { return sep; }

    public int unkId() { return unk; }

    @Override
    public void encode(String text, IntList out) {
        if (specialTokens) out.add(cls);
        String cleaned = clean(text);
        int n = cleaned.length();
        int i = 0;
        while (i < n) {
            // whitespace split (after cleaning, every whitespace char is a space or a Python-isspace char)
            while (i < n && isPySpace(cleaned.charAt(i))) i++;
            if (i >= n) break;
            int j = i;
            while (j < n && !isPySpace(cleaned.charAt(j))) j++;
            String word = cleaned.substring(i, j);
            if (uncased) word = stripAccents(pythonLower(word));
            splitPunctuationAndWordPiece(word, out);
            i = j;
        }
        if (specialTokens) out.add(sep);
    }

    /** Drops invalid/control chars, maps whitespace to ' ', and puts spaces around CJK ideographs. */
    private String clean(String text) {
        StringBuilder sb = scratch;
        sb.setLength(0);
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            k += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isBertWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    private void splitPunctuationAndWordPiece(String word, IntList out) {
        int start = 0;
        int n = word.length();
        for (int k = 0; k < n; ) {
            int cp = word.codePointAt(k);
            int len = Character.charCount(cp);
            if (isPunctuation(cp)) {
                if (k > start) wordPiece(word.substring(start, k), out);
                wordPiece(word.substring(k, k + len), out);
                start = k + len;
            }
            k += len;
        }
        if (start < n) wordPiece(word.substring(start), out);
    }

    /** Greedy longest-match-first; the whole word is [UNK] if any piece has no match. */
    private void wordPiece(String word, IntList out) {
        int cps = word.codePointCount(0, word.length());
        if (cps > MAX_WORD_CHARS) {
            out.add(unk);
            return;
        }
        Integer whole = vocab.get(word);
        if (whole != null) {
            out.add(whole);
            return;
        }
        int mark = out.size();
        int start = 0, n = word.length();
        while (start < n) {
            int end = n;
            Integer found = null;
            while (start < end) {
                String piece = start > 0 ? "##" + word.substring(start, end) : word.substring(start, end);
                found = vocab.get(piece);
                if (found != null) break;
                end = Character.isLowSurrogate(word.charAt(end - 1)) && end - 2 > start ? end - 2 : end - 1;
            }
            if (found == null) {
                out.truncate(mark);
                out.add(unk);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    /**
     * Python's {@code str.lower()}, which BERT's reference uses: simple lowercase mappings, the one
     * unconditional full mapping (U+0130 → "i̇") and the Final_Sigma rule (Σ → ς only when preceded by
     * a cased letter and not followed by one, skipping case-ignorable characters). Java's
     * {@code toLowerCase} decides final sigma differently.
     */
    static String pythonLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); ) {
            int cp = s.codePointAt(k);
            if (cp == 0x130) {
                sb.append("i\u0307");
            } else if (cp == 0x3A3) {
                sb.append(isFinalSigma(s, k) ? '\u03C2' : '\u03C3');
            } else {
                sb.appendCodePoint(Character.toLowerCase(cp));
            }
            k += Character.charCount(cp);
        }
        return sb.toString();
    }

    private static boolean isFinalSigma(String s, int at) {
        int j = at;
        int before = -1;
        while (j > 0) {
            int c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) {
                before = c;
                break;
            }
        }
        if (before < 0 || !isCased(before)) return false;
        j = at + 1;
        while (j < s.length()) {
            int c = s.codePointAt(j);
            if (!isCaseIgnorable(c)) return !isCased(c);
            j += Character.charCount(c);
        }
        return true;
    }

    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk, and Word_Break MidLetter / MidNumLet / Single_Quote. */
    private static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        return switch (cp) {
            case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
                    0xFF07, 0xFF0E, 0xFF1A -> true;
            default -> false;
        };
    }

    static String stripAccents(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder sb = null;
        for (int k = 0; k < nfd.length(); ) {
            int cp = nfd.codePointAt(k);
            int len = Character.charCount(cp);
            if (Character.getType(cp) == Character.NON_SPACING_MARK) {
                if (sb == null) sb = new StringBuilder(nfd.length()).append(nfd, 0, k);
            } else if (sb != null) {
                sb.appendCodePoint(cp);
            }
            k += len;
        }
        return sb == null ? nfd : sb.toString();
    }

    /** BERT's _is_whitespace: space, \t, \n, \r or category Zs. */
    static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /**
     * BERT's _is_control: categories Cc and Cf except \t \n \r (which count as whitespace).
     * Unassigned, private-use and surrogate code points are kept (and usually end up [UNK]).
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT;
    }

    /** Python's str.isspace(), which BERT's whitespace_tokenize (str.split) uses. */
    static boolean isPySpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0
                || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
                || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** BERT's _is_punctuation: ASCII non-alphanumeric printable symbols, or any category P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks BERT splits per character (not Hangul, kana or CJK punctuation). */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
