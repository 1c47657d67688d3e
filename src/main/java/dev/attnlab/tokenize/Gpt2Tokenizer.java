package dev.attnlab.tokenize;

import dev.attnlab.io.Hashing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * GPT-2's byte-level BPE with the exact ids of OpenAI's {@code encoder.json} + {@code vocab.bpe}.
 * <p>Speed comes from three things: a hand-written pre-tokenizer ({@link Gpt2Pretokenizer}), BPE
 * over token ids with a primitive pair → (rank, merged id) hash map, and a cache of pre-token → ids
 * that is looked up without allocating (most words of real text are repeats).
 */
public final class Gpt2Tokenizer implements Tokenizer {

    public static final String ENCODER_FILE = "encoder.json";
    public static final String MERGES_FILE = "vocab.bpe";
    public static final String END_OF_TEXT = "<|endoftext|>";

    private static final int CACHE_MAX_WORD = 64;   // chars; longer pre-tokens are rare, not worth caching
    private static final int CACHE_MAX_ENTRIES = 1 << 18;
    private static final int SIMPLE_BPE_MAX = 48;   // bytes; longer words use the heap-based merge

    private final int[] byteToId = new int[256];
    private final int vocabSize;
    private final int eotId;
    private final PairMap merges;
    private final String identityHash;
    private final WordCache cache = new WordCache(CACHE_MAX_ENTRIES);
    private byte[] utf8 = new byte[256];
    private int[] parts = new int[256];

    private Gpt2Tokenizer(Map<String, Integer> encoder, byte[] mergesFile, String identityHash) throws IOException {
        this.identityHash = identityHash;
        char[] byteToChar = byteToUnicode();
        int max = -1;
        for (int id : encoder.values()) max = Math.max(max, id);
        this.vocabSize = max + 1;
        Integer eot = encoder.get(END_OF_TEXT);
        if (eot == null) throw new IOException(ENCODER_FILE + " has no " + END_OF_TEXT + " entry");
        this.eotId = eot;
        for (int b = 0; b < 256; b++) {
            Integer id = encoder.get(String.valueOf(byteToChar[b]));
            if (id == null) throw new IOException(ENCODER_FILE + " lacks the single-byte token for byte " + b);
            byteToId[b] = id;
        }
        String[] lines = new String(mergesFile, StandardCharsets.UTF_8).split("\n");
        this.merges = new PairMap(lines.length * 2);
        int rank = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            int sp = line.indexOf(' ');
            if (sp <= 0) throw new IOException(MERGES_FILE + " line " + (i + 1) + ": expected two tokens, got '" + line + "'");
            String a = line.substring(0, sp), b = line.substring(sp + 1);
            Integer ia = encoder.get(a), ib = encoder.get(b), im = encoder.get(a + b);
            if (ia == null || ib == null || im == null) {
                throw new IOException(MERGES_FILE + " line " + (i + 1) + ": merge '" + line + "' uses tokens missing from " + ENCODER_FILE);
            }
            merges.put(ia, ib, rank++, im);
        }
    }

    /** Loads {@code encoder.json} and {@code vocab.bpe} from {@code dir}. */
    public static Gpt2Tokenizer load(Path dir) throws IOException {
        Path enc = dir.resolve(ENCODER_FILE), bpe = dir.resolve(MERGES_FILE);
        byte[] encBytes = Files.readAllBytes(enc);
        byte[] bpeBytes = Files.readAllBytes(bpe);
        Map<String, Integer> encoder = new HashMap<>(70_000);
        try (JsonParser p = new ObjectMapper().getFactory().createParser(encBytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException(enc + ": expected a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                encoder.put(key, p.getIntValue());
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(enc + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        return new Gpt2Tokenizer(encoder, bpeBytes, Hashing.sha256(encBytes, bpeBytes));
    }

    @Override public String kind() { return "gpt2"; }

    @Override public int vocabSize() { return vocabSize; }

    @Override public int eotId() { return eotId; }

    /** GPT-2 has no pad token: truncate rows are padded with end-of-text (masked out of the loss). */
    @Override public int padId() { return eotId; }

    @Override public String identityHash() { return identityHash; }

    @Override
    public void encode(String text, IntList out) {
        final int n = text.length();
        int i = 0;
        while (i < n) {
            int end = Gpt2Pretokenizer.next(text, i);
            int len = end - i;
            char c0 = text.charAt(i);
            if (len == 1 && c0 < 128) {
                out.add(byteToId[c0]);
            } else if (len <= CACHE_MAX_WORD) {
                int h = hash(text, i, end);
                int[] ids = cache.get(text, i, len, h);
                if (ids == null) {
                    ids = bpe(text, i, end);
                    cache.put(text.substring(i, end), h, ids);
                }
                out.addAll(ids);
            } else {
                out.addAll(bpe(text, i, end));
            }
            i = end;
        }
    }

    private static int hash(String s, int from, int to) {
        int h = 0;
        for (int k = from; k < to; k++) h = 31 * h + s.charAt(k);
        return h;
    }

    /** Byte-pair encodes one pre-token. */
    private int[] bpe(String s, int from, int to) {
        return bpe(s, from, to, false);
    }

    /** {@code forceHeap} (tests only) uses the long-word merge on any length, to check both agree. */
    int[] bpe(String s, int from, int to, boolean forceHeap) {
        int m = utf8Encode(s, from, to);
        if (parts.length < m) parts = new int[Math.max(m, parts.length * 2)];
        int[] p = parts;
        for (int k = 0; k < m; k++) p[k] = byteToId[utf8[k] & 0xFF];
        int len = m <= SIMPLE_BPE_MAX && !forceHeap ? mergeSimple(p, m) : mergeWithHeap(p, m);
        return Arrays.copyOf(p, len);
    }

    /** Repeatedly merges the lowest-ranked adjacent pair (leftmost on ties). O(m²), fastest for short words. */
    private int mergeSimple(int[] p, int m) {
        while (m > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int k = 0; k + 1 < m; k++) {
                long v = merges.get(p[k], p[k + 1]);
                if (v < best) {
                    best = v;
                    at = k;
                }
            }
            if (at < 0) break;
            p[at] = (int) best;
            System.arraycopy(p, at + 2, p, at + 1, m - at - 2);
            m--;
        }
        return m;
    }

    /**
     * The same merge order for long words in O(m log m): a linked list of parts and a min-heap of
     * (rank, position) entries; stale entries are skipped when popped.
     */
    private int mergeWithHeap(int[] p, int m) {
        int[] next = new int[m], prev = new int[m];
        for (int k = 0; k < m; k++) {
            next[k] = k + 1 < m ? k + 1 : -1;
            prev[k] = k - 1;
        }
        LongHeap heap = new LongHeap(m);
        for (int k = 0; k + 1 < m; k++) pushPair(heap, p, k, k + 1);
        boolean[] dead = new boolean[m];
        while (!heap.isEmpty()) {
            long e = heap.pop();
            int rank = (int) (e >>> 32), at = (int) e;
            if (dead[at] || next[at] < 0) continue;
            int q = next[at];
            long v = merges.get(p[at], p[q]);
            if (v == Long.MAX_VALUE || (int) (v >>> 32) != rank) continue; // stale: that pair is gone
            p[at] = (int) v;
            dead[q] = true;
            next[at] = next[q];
            if (next[q] >= 0) prev[next[q]] = at;
            if (prev[at] >= 0) pushPair(heap, p, prev[at], at);
            if (next[at] >= 0) pushPair(heap, p, at, next[at]);
        }
        int len = 0;
        for (int k = 0; k >= 0; k = next[k]) p[len++] = p[k];
        return len;
    }

    private void pushPair(LongHeap heap, int[] p, int a, int b) {
        long v = merges.get(p[a], p[b]);
        if (v != Long.MAX_VALUE) heap.push((v >>> 32) << 32 | a);
    }

    /** UTF-8 of {@code s[from, to)} into {@link #utf8}; returns the byte count. Lone surrogates become U+FFFD. */
    private int utf8Encode(String s, int from, int to) {
        int need = (to - from) * 3;
        if (utf8.length < need) utf8 = new byte[Math.max(need, utf8.length * 2)];
        byte[] b = utf8;
        int n = 0;
        for (int k = from; k < to; k++) {
            int c = s.charAt(k);
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | c >> 6);
                b[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate((char) c)) {
                if (Character.isHighSurrogate((char) c) && k + 1 < to && Character.isLowSurrogate(s.charAt(k + 1))) {
                    int cp = Character.toCodePoint((char) c, s.charAt(++k));
                    b[n++] = (byte) (0xF0 | cp >> 18);
                    b[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    b[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    b[n++] = (byte) (0x80 | cp & 0x3F);
                } else {
                    b[n++] = (byte) 0xEF;
                    b[n++] = (byte) 0xBF;
                    b[n++] = (byte) 0xBD;
                }
            } else {
                b[n++] = (byte) (0xE0 | c >> 12);
                b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[n++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return n;
    }

    /**
     * GPT-2's reversible byte → printable-char table: bytes that are printable Latin-1 map to
     * themselves, the other 68 to U+0100 onwards, in byte order.
     */
    static char[] byteToUnicode() {
        char[] t = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            t[b] = printable ? (char) b : (char) (256 + extra++);
        }
        return t;
    }

    /** Open-addressing map (token a, token b) → rank << 32 | merged id; absent = Long.MAX_VALUE. */
    private static final class PairMap {
        private final long[] keys;
        private final long[] vals;
        private final int mask;

        PairMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[cap];
            vals = new long[cap];
            mask = cap - 1;
            Arrays.fill(keys, -1L);
        }

        private static int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29));
        }

        void put(int a, int b, int rank, int merged) {
            long key = (long) a << 32 | (b & 0xFFFFFFFFL);
            int s = slot(key) & mask;
            while (keys[s] != -1L && keys[s] != key) s = (s + 1) & mask;
            if (keys[s] == key && (int) (vals[s] >>> 32) < rank) return; // keep the first (lowest) rank
            keys[s] = key;
            vals[s] = (long) rank << 32 | merged;
        }

        long get(int a, int b) {
            long key = (long) a << 32 | (b & 0xFFFFFFFFL);
            int s = slot(key) & mask;
            while (true) {
                long k = keys[s];
                if (k == key) return vals[s];
                if (k == -1L) return Long.MAX_VALUE;
                s = (s + 1) & mask;
            }
        }
    }

    /** Pre-token → ids, looked up by a region of the text without allocating; cleared when full. */
    private static final class WordCache {
        private final int maxEntries;
        private String[] keys;
        private int[][] vals;
        private int[] hashes;
        private int mask;
        private int size;

        WordCache(int maxEntries) {
            this.maxEntries = maxEntries;
            reset(4096);
        }

        private void reset(int cap) {
            keys = new String[cap];
            vals = new int[cap][];
            hashes = new int[cap];
            mask = cap - 1;
            size = 0;
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }

        int[] get(String text, int from, int len, int h) {
            int s = spread(h) & mask;
            while (true) {
                String k = keys[s];
                if (k == null) return null;
                if (hashes[s] == h && k.length() == len && k.regionMatches(0, text, from, len)) return vals[s];
                s = (s + 1) & mask;
            }
        }

        void put(String key, int h, int[] ids) {
            if (size >= maxEntries) {
                reset(keys.length);
            } else if ((size + 1) * 2 > keys.length) {
                String[] ok = keys;
                int[][] ov = vals;
                int[] oh = hashes;
                reset(keys.length * 2);
                for (int i = 0; i < ok.length; i++) {
                    if (ok[i] != null) insert(ok[i], oh[i], ov[i]);
                }
            }
            insert(key, h, ids);
        }

        private void insert(String key, int h, int[] ids) {
            int s = spread(h) & mask;
            while (keys[s] != null) s = (s + 1) & mask;
            keys[s] = key;
            hashes[s] = h;
            vals[s] = ids;
            size++;
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int cap) {
            a = new long[Math.max(4, cap)];
        }

        boolean isEmpty() { return n == 0; }

        void push(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (a[c] >= last) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
