package dev.attnlab.interpret;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
        INDArray l = left.castTo(DataType.FLOAT);
        INDArray r = right.castTo(DataType.FLOAT).dup('c');
        PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Float.compare(a.value, b.value));
        int[] argMax = new int[nRows];
        float[] rowMax = new float[nRows];
        for (int from = 0; from < nRows; from += chunk) {
            int to = Math.min(nRows, from + chunk);
            INDArray block = l.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).mmul(r);
            float[] max = block.max(1).castTo(DataType.FLOAT).toFloatVector();
            long[] am = Nd4j.argMax(block, 1).castTo(DataType.LONG).toLongVector();
            Integer[] order = new Integer[to - from];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
                argMax[from + i] = (int) am[i];
                rowMax[from + i] = max[i];
            }
            Arrays.sort(order, (a, b) -> Float.compare(max[b], max[a]));
            // only rows whose maximum beats the current k-th best can contribute
            for (Integer i : order) {
                if (heap.size() >= k && max[i] <= heap.peek().value) {
                    break;
                }
                float[] row = block.getRow(i).toFloatVector();
                for (int c = 0; c < row.length; c++) {
                    if (heap.size() < k) {
                        heap.add(new Entry(row[c], from + i, c));
                    } else if (row[c] > heap.peek().value) {
                        heap.poll();
                        heap.add(new Entry(row[c], from + i, c));
                    }
                }
            }
            // free the chunk now: at vocab 50,257 it is 0.8 GB of native memory per chunk of 4096 rows
            if (block.closeable()) block.close();
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
}
