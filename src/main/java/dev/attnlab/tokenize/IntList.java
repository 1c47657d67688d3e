package dev.attnlab.tokenize;

import java.util.Arrays;

/** A growable int array: the tokenizers' output buffer, reused across documents without boxing. */
public final class IntList {

    private int[] data;
    private int size;

    public IntList(int capacity) {
        data = new int[Math.max(1, capacity)];
    }

    public IntList() {
        this(64);
    }

    public void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    public void addAll(int[] vs) {
        ensure(size + vs.length);
        System.arraycopy(vs, 0, data, size, vs.length);
        size += vs.length;
    }

    public int get(int i) {
        if (i >= size) throw new IndexOutOfBoundsException(i + " >= " + size);
        return data[i];
    }

    public int size() { return size; }

    public void clear() { size = 0; }

    /** Drops every element from index {@code newSize} on. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) throw new IndexOutOfBoundsException(newSize + " not in [0, " + size + "]");
        size = newSize;
    }

    /** The backing array; valid up to {@link #size()}. */
    public int[] array() { return data; }

    public int[] toArray() { return Arrays.copyOf(data, size); }

    private void ensure(int n) {
        if (n > data.length) {
            data = Arrays.copyOf(data, Math.max(n, data.length * 2));
        }
    }
}
