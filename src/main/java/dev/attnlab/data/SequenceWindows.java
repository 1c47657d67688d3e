package dev.attnlab.data;

import dev.attnlab.tokenize.TokenShard;

/**
 * Training rows of {@code nCtx + 1} tokens cut from a {@link TokenShard} (inputs are a row's first
 * nCtx tokens, targets its last nCtx).
 * <ul>
 *   <li>{@code concat}: the shard is one stream (documents already joined with end-of-text by the
 *       tokenizer) cut into consecutive non-overlapping rows; the tail that does not fill a row is dropped.</li>
 *   <li>{@code truncate}: one row per document, its first nCtx + 1 tokens, padded with {@code padId}
 *       (targets equal to padId are masked out of the loss). Documents shorter than 2 tokens are skipped.</li>
 * </ul>
 */
public final class SequenceWindows {

    private final TokenShard shard;
    private final boolean concat;
    private final int rowLen;
    private final int padId;
    private final int[] docOfRow; // truncate only

    public SequenceWindows(TokenShard shard, String packing, int nCtx, int padId) {
        this.shard = shard;
        this.rowLen = nCtx + 1;
        this.padId = padId;
        switch (packing) {
            case "concat" -> {
                this.concat = true;
                this.docOfRow = null;
            }
            case "truncate" -> {
                this.concat = false;
                int n = 0;
                for (int d = 0; d < shard.documentCount(); d++) {
                    if (shard.documentLength(d) >= 2) n++;
                }
                this.docOfRow = new int[n];
                int r = 0;
                for (int d = 0; d < shard.documentCount(); d++) {
                    if (shard.documentLength(d) >= 2) docOfRow[r++] = d;
                }
            }
            default -> throw new IllegalArgumentException("packing must be concat or truncate, not " + packing);
        }
    }

    public int rowLength() { return rowLen; }

    public int padId() { return padId; }

    public int rows() {
        return concat ? (int) Math.min(Integer.MAX_VALUE, shard.tokenCount() / rowLen) : docOfRow.length;
    }

    /** Fills {@code dst[at .. at + rowLength)} with row {@code r}. */
    public void row(int r, int[] dst, int at) {
        if (concat) {
            shard.copy((long) r * rowLen, dst, at, rowLen);
        } else {
            int d = docOfRow[r];
            int len = Math.min(rowLen, shard.documentLength(d));
            shard.copy(shard.documentStart(d), dst, at, len);
            java.util.Arrays.fill(dst, at + len, at + rowLen, padId);
        }
    }
}
