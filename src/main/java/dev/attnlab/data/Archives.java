package dev.attnlab.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks .tar.gz and .zip archives with the JDK alone (no extra dependency): regular files only,
 * ustar/GNU/pax long names supported, entries with absolute paths or ".." refused.
 */
final class Archives {

    private Archives() { }

    /**
     * Extracts every regular file for which {@code target} returns a path (null = skip).
     * @return the number of files written
     */
    static int extractTarGz(Path archive, Function<String, Path> target) throws IOException {
        int written = 0;
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
            byte[] header = new byte[512];
            String longName = null;
            while (true) {
                if (!readFully(in, header)) break;
                if (isZero(header)) break;
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty() && "ustar".equals(cString(header, 257, 5))) name = prefix + "/" + name;
                long size = parseSize(header, archive);
                char type = (char) header[156];
                if (type == 'L') {           // GNU long name: the data is the next entry's name
                    longName = cString(readData(in, size, archive), 0, (int) size);
                    continue;
                }
                if (type == 'x') {           // pax extended header: take its path= record
                    String path = paxPath(new String(readData(in, size, archive), StandardCharsets.UTF_8));
                    if (path != null) longName = path;
                    continue;
                }
                if (longName != null) {
                    name = longName;
                    longName = null;
                }
                Path dest = (type == '0' || type == '\0') ? target.apply(checkName(name, archive)) : null;
                if (dest != null) {
                    Files.createDirectories(dest.getParent());
                    try (OutputStream out = Files.newOutputStream(dest)) {
                        copy(in, out, size, archive);
                    }
                    written++;
                } else {
                    skip(in, size, archive);
                }
                skip(in, (512 - size % 512) % 512, archive);
            }
        }
        return written;
    }

    static int extractZip(Path archive, Function<String, Path> target) throws IOException {
        int written = 0;
        try (ZipInputStream zin = new ZipInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (e.isDirectory()) continue;
                Path dest = target.apply(checkName(e.getName(), archive));
                if (dest == null) continue;
                Files.createDirectories(dest.getParent());
                try (OutputStream out = Files.newOutputStream(dest)) {
                    zin.transferTo(out);
                }
                written++;
            }
        }
        return written;
    }

    private static String checkName(String name, Path archive) throws IOException {
        String n = name.replace('\\', '/');
        while (n.startsWith("./")) n = n.substring(2);
        if (n.startsWith("/") || n.equals("..") || n.startsWith("../") || n.contains("/../") || n.endsWith("/..")) {
            throw new DataException(archive + ": refusing archive entry '" + name + "' (absolute or outside the archive)");
        }
        return n;
    }

    private static String paxPath(String records) {
        // records: "<len> key=value\n"...
        for (String rec : records.split("\n")) {
            int sp = rec.indexOf(' ');
            if (sp > 0 && rec.startsWith("path=", sp + 1)) return rec.substring(sp + 6);
        }
        return null;
    }

    private static long parseSize(byte[] h, Path archive) throws IOException {
        if ((h[124] & 0x80) != 0) {     // GNU base-256
            long v = 0;
            for (int i = 125; i < 136; i++) v = (v << 8) | (h[i] & 0xFF);
            return v;
        }
        String s = cString(h, 124, 12).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new DataException(archive + ": corrupt tar header (size field '" + s + "')");
        }
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static boolean readFully(InputStream in, byte[] b) throws IOException {
        int n = in.readNBytes(b, 0, b.length);
        if (n == 0) return false;
        if (n < b.length) throw new EOFException("truncated tar header");
        return true;
    }

    private static byte[] readData(InputStream in, long size, Path archive) throws IOException {
        if (size > (1 << 20)) throw new DataException(archive + ": tar metadata entry of " + size + " bytes");
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) throw new DataException(archive + ": truncated tar archive");
        skip(in, (512 - size % 512) % 512, archive);
        return b;
    }

    private static void copy(InputStream in, OutputStream out, long size, Path archive) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) throw new DataException(archive + ": truncated tar archive");
            out.write(buf, 0, r);
            left -= r;
        }
    }

    private static void skip(InputStream in, long n, Path archive) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) throw new DataException(archive + ": truncated tar archive");
                s = 1;
            }
            left -= s;
        }
    }
}
