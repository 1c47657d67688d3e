package dev.attnlab.train;

import dev.attnlab.data.SequenceWindows;

/** Training rows of a fixed length (n_ctx + 1): inputs are a row's first n_ctx tokens, targets its last n_ctx. */
public interface Rows {

    int count();

    int length();

    /** Fills {@code dst[at .. at + length())} with row {@code r}. */
    void row(int r, int[] dst, int at);

    static Rows of(SequenceWindows w) {
        return new Rows() {
            @Override public int count() { return w.rows(); }
            @Override public int length() { return w.rowLength(); }
            @Override public void row(int r, int[] dst, int at) { w.row(r, dst, at); }
        };
    }

    /** Rows held in memory (tests, benchmarks); every row must have the same length. */
    static Rows of(int[][] rows) {
        for (int[] r : rows) {
            if (r.length != rows[0].length) throw new IllegalArgumentException("rows differ in length");
        }
        return new Rows() {
            @Override public int count() { return rows.length; }
            @Override public int length() { return rows.length == 0 ? 0 : rows[0].length; }
            @Override public void row(int r, int[] dst, int at) { System.arraycopy(rows[r], 0, dst, at, rows[r].length); }
        };
    }
}
