package dev.attnlab.tokenize;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the {@link TokenShard} format one document at a time. */
public final class TokenShardWriter implements AutoCloseable {

    private final OutputStream bin;
    private final DataOutputStream idx;
    private final boolean wide;
    private final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private long total;
    private int docs;

    public TokenShardWriter(Path dir, String name, boolean wide) throws IOException {
        this.wide = wide;
        this.bin = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name + ".bin")), 1 << 16);
        this.idx = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(name + ".idx"))));
        writeOffset(0);
    }

    /** Whether ids below {@code vocabSize} need int32 storage. */
    public static boolean needsWide(int vocabSize) {
        return vocabSize > 65536;
    }

    public void add(int[] ids, int len) throws IOException {
        byte[] out = new byte[len * (wide ? 4 : 2)];
        ByteBuffer bb = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; i++) {
            if (wide) {
                bb.putInt(ids[i]);
            } else {
                bb.putShort((short) ids[i]);
            }
        }
        bin.write(out);
        total += len;
        docs++;
        writeOffset(total);
    }

    public void add(int[] ids) throws IOException {
        add(ids, ids.length);
    }

    public long tokens() { return total; }

    public int documents() { return docs; }

    private void writeOffset(long v) throws IOException {
        buf.clear();
        buf.putLong(v);
        idx.write(buf.array(), 0, 8);
    }

    @Override
    public void close() throws IOException {
        bin.close();
        idx.close();
    }
}
