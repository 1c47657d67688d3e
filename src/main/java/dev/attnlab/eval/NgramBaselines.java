package dev.attnlab.eval;

import dev.attnlab.tokenize.TokenShard;

import java.util.Arrays;

/**
 * Unigram and bigram language models counted on the training shard, for scale: a transformer that
 * does not beat the bigram cross-entropy has learned nothing beyond its direct path.
 * Add-k smoothing: P(b) = (c(b) + 1) / (N + V); P(b | a) = (c(a, b) + k) / (c(a, ·) + k V) with
 * k = {@value #BIGRAM_K} (add-one would flatten a 50,257-word bigram table far below the unigram).
 * At most {@value #MAX_TRAIN_TOKENS} training tokens are counted (the first ones of the shard).
 */
public final class NgramBaselines {

    public static final double UNIGRAM_K = 1.0;
    public static final double BIGRAM_K = 0.01;
    public static final long MAX_TRAIN_TOKENS = 20_000_000L;

    private final int vocab;
    private final long[] unigram;
    private final long totalUnigrams;
    private final long[] firstCounts;
    private final long[] pairKeys;   // sorted unique a * vocab + b
    private final int[] pairCounts;
    private final long countedTokens;

    private NgramBaselines(int vocab, long[] unigram, long totalUnigrams, long[] firstCounts,
                           long[] pairKeys, int[] pairCounts, long countedTokens) {
        this.vocab = vocab;
        this.unigram = unigram;
        this.totalUnigrams = totalUnigrams;
        this.firstCounts = firstCounts;
        this.pairKeys = pairKeys;
        this.pairCounts = pairCounts;
        this.countedTokens = countedTokens;
    }

    /**
     * @param acrossDocuments whether adjacent documents form pairs (concat packing: the model sees
     *                        them joined too) or not (truncate packing)
     */
    public static NgramBaselines count(TokenShard train, int vocab, int padId, boolean acrossDocuments) {
        long n = Math.min(train.tokenCount(), MAX_TRAIN_TOKENS);
        long[] uni = new long[vocab];
        long[] first = new long[vocab];
        long[] pairs = new long[(int) Math.max(0, n - 1)];
        int np = 0;
        long total = 0;
        int doc = 0;
        long docEnd = train.documentCount() > 0 ? train.documentStart(0) + train.documentLength(0) : Long.MAX_VALUE;
        int prev = -1;
        for (long i = 0; i < n; i++) {
            while (i >= docEnd && doc < train.documentCount() - 1) {
                doc++;
                docEnd = train.documentStart(doc) + train.documentLength(doc);
                if (!acrossDocuments) prev = -1;
            }
            int t = train.token(i);
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException(train.file() + ": token " + t + " at " + i
                        + " is outside the vocabulary of " + vocab);
            }
            if (t == padId) {
                prev = -1;
                continue;
            }
            uni[t]++;
            total++;
            if (prev >= 0) {
                pairs[np++] = (long) prev * vocab + t;
                first[prev]++;
            }
            prev = t;
        }
        long[] sorted = Arrays.copyOf(pairs, np);
        Arrays.sort(sorted);
        int unique = 0;
        for (int i = 0; i < np; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) unique++;
        }
        long[] keys = new long[unique];
        int[] counts = new int[unique];
        int u = -1;
        for (int i = 0; i < np; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                keys[++u] = sorted[i];
            }
            counts[u]++;
        }
        return new NgramBaselines(vocab, uni, total, first, keys, counts, n);
    }

    public long countedTokens() {
        return countedTokens;
    }

    public double unigramLogProb(int b) {
        return Math.log((unigram[b] + UNIGRAM_K) / (totalUnigrams + UNIGRAM_K * vocab));
    }

    public double bigramLogProb(int a, int b) {
        int i = Arrays.binarySearch(pairKeys, (long) a * vocab + b);
        double c = i >= 0 ? pairCounts[i] : 0;
        return Math.log((c + BIGRAM_K) / (firstCounts[a] + BIGRAM_K * vocab));
    }

    /** {unigram CE, bigram CE} in nats over every non-padding target of rows of n_ctx + 1 tokens. */
    public double[] crossEntropy(int[][] rows, int padId) {
        double uni = 0;
        double bi = 0;
        long n = 0;
        for (int[] row : rows) {
            for (int p = 0; p + 1 < row.length; p++) {
                int target = row[p + 1];
                if (target == padId) continue;
                uni -= unigramLogProb(target);
                bi -= bigramLogProb(row[p], target);
                n++;
            }
        }
        return n == 0 ? new double[] {Double.NaN, Double.NaN} : new double[] {uni / n, bi / n};
    }
}
