package dev.attnlab.tokenize;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One split's tokens, memory-mapped: {@code NAME.bin} holds every document's token ids back to back
 * as little-endian uint16 (when the vocabulary fits) or int32, and {@code NAME.idx} holds
 * {@code docs + 1} little-endian int64 offsets (in tokens) where each document starts, the last
 * being the total. Written by {@link TokenShardWriter}; the trainer cuts windows from it.
 */
public final class TokenShard {

    private final Path bin;
    private final boolean wide;
    private final MappedByteBuffer tokens;
    private final long[] offsets;

    private TokenShard(Path bin, boolean wide, MappedByteBuffer tokens, long[] offsets) {
        this.bin = bin;
        this.wide = wide;
        this.tokens = tokens;
        this.offsets = offsets;
    }

    /** Opens {@code dir/NAME.bin} and {@code dir/NAME.idx}; {@code wide} = int32 tokens, else uint16. */
    public static TokenShard open(Path dir, String name, boolean wide) throws IOException {
        Path bin = dir.resolve(name + ".bin");
        Path idx = dir.resolve(name + ".idx");
        long[] offsets;
        try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.READ)) {
            LongBuffer lb = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size())
                    .order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            offsets = new long[lb.remaining()];
            lb.get(offsets);
        }
        if (offsets.length == 0) {
            throw new IOException(idx + ": empty index (expected documents + 1 offsets)");
        }
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.READ)) {
            long expected = offsets[offsets.length - 1] * (wide ? 4L : 2L);
            if (ch.size() != expected) {
                throw new IOException(bin + ": " + ch.size() + " bytes but its index says " + expected);
            }
            if (expected > Integer.MAX_VALUE) {
                throw new IOException(bin + ": shards over 2 GiB are not supported yet");
            }
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            mb.order(ByteOrder.LITTLE_ENDIAN);
            return new TokenShard(bin, wide, mb, offsets);
        }
    }

    public static boolean exists(Path dir, String name) {
        return Files.exists(dir.resolve(name + ".bin")) && Files.exists(dir.resolve(name + ".idx"));
    }

    public Path file() { return bin; }

    public long tokenCount() { return offsets[offsets.length - 1]; }

    public int documentCount() { return offsets.length - 1; }

    public long documentStart(int doc) { return offsets[doc]; }

    public int documentLength(int doc) { return (int) (offsets[doc + 1] - offsets[doc]); }

    /** The token at global position {@code i}. */
    public int token(long i) {
        return wide ? tokens.getInt((int) (i * 4)) : Short.toUnsignedInt(tokens.getShort((int) (i * 2)));
    }

    /** Copies {@code len} tokens starting at global position {@code from} into {@code dst[at..]}. */
    public void copy(long from, int[] dst, int at, int len) {
        for (int k = 0; k < len; k++) {
            dst[at + k] = token(from + k);
        }
    }
}
