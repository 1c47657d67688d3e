package dev.attnlab.interpret;

import dev.attnlab.model.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * The largest entries and the per-row arg-max of a vocabulary-by-vocabulary matrix given as a
 * low-rank product {@code M = left [V, r] * right [r, V]}, built {@code chunk} rows at a time so
 * memory stays at {@code chunk * V} floats (GPT-2's 50,257² matrix would need 10 GB).
 */
public final class VocabTopK {

    /** Entries sorted by value, largest first; {@code rowArgMax[i]} = arg-max of row i. */
    public record Result(int[] rows, int[] cols, float[] values, int[] rowArgMax, float[] rowMax) {
        public int size() {
            return values.length;
        }

        /** Fraction of rows whose largest entry is on the diagonal (square matrices). */
        public double diagonalArgMaxFraction() {
            int hits = 0;
            for (int i = 0; i < rowArgMax.length; i++) {
                if (rowArgMax[i] == i) hits++;
            }
            return (double) hits / rowArgMax.length;
        }
    }

    private record Entry(float value, int row, int col) { }

    private VocabTopK() {
    }

    public static Result of(INDArray left, INDArray right, int k, int chunk) {
        if (left.size(1) != right.size(0)) {
            throw new IllegalArgumentException("factor shapes do not chain: " + Arrays.toString(left.shape())
                    + " x " + Arrays.toString(right.shape()));
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("interpret.vocab_chunk must be >= 1, got " + chunk);
        }
        int nRows = (int) left.size(0);
        int nCols = (int) right.size(1);
        INDArray l = left.castTo(DataType.FLOAT);
        INDArray r = right.castTo(DataType.FLOAT).dup('c');
        PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Float.compare(a.value, b.value));
        int[] argMax = new int[nRows];
        float[] rowMax = new float[nRows];
        float[] row = new float[nCols];
        INDArray block = null; // [rows of this chunk, nCols], reused: at vocab 50,257 a 4096-row chunk is 0.8 GB
        try {
            for (int from = 0; from < nRows; from += chunk) {
                int to = Math.min(nRows, from + chunk);
                if (block == null || block.size(0) != to - from) {
                    close(block);
                    block = Nd4j.createUninitialized(DataType.FLOAT, to - from, nCols);
                }
                Kernels.gemm(l.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()), false, r, false, block, 1.0, 0.0);
                Kernels.rowMaxArgMax(block, rowMax, argMax, from);
                Integer[] order = new Integer[to - from];
                for (int i = 0; i < order.length; i++) order[i] = from + i;
                Arrays.sort(order, (a, b) -> Float.compare(rowMax[b], rowMax[a]));
                // only rows whose maximum beats the current k-th best can contribute
                FloatBuffer values = block.data().asNioFloat();
                for (int i : order) {
                    if (heap.size() >= k && rowMax[i] <= heap.peek().value) {
                        break;
                    }
                    values.get((int) (block.offset() + (long) (i - from) * nCols), row, 0, nCols);
                    for (int c = 0; c < nCols; c++) {
                        if (heap.size() < k) {
                            heap.add(new Entry(row[c], i, c));
                        } else if (row[c] > heap.peek().value) {
                            heap.poll();
                            heap.add(new Entry(row[c], i, c));
                        }
                    }
                }
            }
        } finally {
            close(block);
        }
        Entry[] sorted = heap.toArray(new Entry[0]);
        Arrays.sort(sorted, (a, b) -> Float.compare(b.value, a.value));
        int[] rows = new int[sorted.length];
        int[] cols = new int[sorted.length];
        float[] values = new float[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            rows[i] = sorted[i].row;
            cols[i] = sorted[i].col;
            values[i] = sorted[i].value;
        }
        return new Result(rows, cols, values, argMax, rowMax);
    }

    /** Frees a chunk's native memory now rather than at the next GC. */
    private static void close(INDArray block) {
        if (block != null && block.closeable()) block.close();
    }
}
