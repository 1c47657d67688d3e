package dev.attnlab.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Input text files in the spec's {@code data.encoding}: decoded strictly (a byte that is not text
 * in that encoding is an error, never a silent U+FFFD), with a leading byte-order mark skipped
 * (Excel writes one before a CSV header), and an undecodable byte reported by line and byte offset.
 */
final class TextDecoding {

    private static final int BOM = '\uFEFF';
    private static final int CHUNK = 1 << 16;

    /** The spec key whose value names the encoding, for error messages. */
    static final String KEY = "data.encoding";

    private TextDecoding() { }

    /** The charset named by {@code data.encoding}; the spec loader has already checked the name. */
    static Charset charset(String name) throws DataException {
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            throw new DataException(KEY + ": '" + name + "' is not an encoding this Java knows; use utf-8, "
                    + "windows-1252, iso-8859-1 or utf-16, for example");
        }
    }

    /** A reader that fails on undecodable bytes and skips a byte-order mark at the start. */
    static BufferedReader open(Path file, Charset charset) throws IOException {
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder));
        try {
            r.mark(1);
            if (r.read() != BOM) {
                r.reset();
            }
        } catch (IOException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** The error for a file that does not decode: where the first bad byte is, and the two fixes. */
    static DataException undecodable(Path file, Charset charset, Throwable cause) {
        Optional<Position> at;
        try {
            at = firstUndecodable(file, charset);
        } catch (IOException e) {
            at = Optional.empty();
        }
        String where = at.map(p -> " line " + p.line + " (byte offset " + p.byteOffset + ", bytes " + p.bytes + ")")
                .orElse("");
        String name = charset.name().toLowerCase(Locale.ROOT);
        return new DataException(file + where + ": not valid " + name + " text" + utf16Hint(file, charset)
                + "; set " + KEY + " to the file's encoding (for example windows-1252, iso-8859-1 or utf-16) or "
                + "convert the file to " + name + " (e.g. iconv -f windows-1252 -t " + name + ")", cause);
    }

    /** Where decoding first fails: a 1-based line, a 0-based byte offset and the offending bytes in hex. */
    record Position(long line, long byteOffset, String bytes) { }

    static Optional<Position> firstUndecodable(Path file, Charset charset) throws IOException {
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.allocate(CHUNK);
        CharBuffer out = CharBuffer.allocate(CHUNK);
        long consumed = 0;
        long line = 1;
        try (ReadableByteChannel ch = Files.newByteChannel(file)) {
            boolean end = false;
            while (true) {
                end = end || ch.read(in) < 0;
                in.flip();
                CoderResult r = decoder.decode(in, out, end);
                line += newlines(out);
                if (r.isError()) {
                    byte[] bad = new byte[Math.min(r.length(), in.remaining())];
                    in.get(in.position(), bad);
                    return Optional.of(new Position(line, consumed + in.position(), "0x" + HexFormat.of().formatHex(bad)));
                }
                consumed += in.position();
                in.compact();
                if (end && r.isUnderflow()) {
                    return Optional.empty();
                }
            }
        }
    }

    /** Counts and drains the newlines decoded so far. */
    private static long newlines(CharBuffer out) {
        out.flip();
        long n = 0;
        while (out.hasRemaining()) {
            if (out.get() == '\n') {
                n++;
            }
        }
        out.clear();
        return n;
    }

    /** UTF-16 text read as UTF-8 fails at its first byte; its byte-order mark says what it is. */
    private static String utf16Hint(Path file, Charset charset) {
        if (charset.name().toLowerCase(Locale.ROOT).startsWith("utf-16")) {
            return "";
        }
        try (ReadableByteChannel ch = Files.newByteChannel(file)) {
            ByteBuffer head = ByteBuffer.allocate(2);
            ch.read(head);
            boolean le = head.position() == 2 && (head.get(0) & 0xff) == 0xff && (head.get(1) & 0xff) == 0xfe;
            boolean be = head.position() == 2 && (head.get(0) & 0xff) == 0xfe && (head.get(1) & 0xff) == 0xff;
            return le || be ? " (it starts with a UTF-16 byte-order mark: data.encoding: utf-16 reads it)" : "";
        } catch (IOException e) {
            return "";
        }
    }
}
