package dev.attnlab.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text source on files that are not plain UTF-8: other encodings, byte-order marks, short CSV rows. */
class TextSourceTest {

    private static final Charset UTF8 = StandardCharsets.UTF_8;
    private static final Charset CP1252 = Charset.forName("windows-1252");

    @TempDir
    Path dir;

    private Path write(String name, byte[]... parts) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.write(p);
        Path f = dir.resolve(name);
        Files.write(f, b.toByteArray());
        return f;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF8);
    }

    private static List<String> texts(TextSource src) throws Exception {
        List<String> out = new ArrayList<>();
        src.read("train", d -> out.add(d.text()));
        return out;
    }

    private static String failure(Path f, Charset cs) {
        return assertThrows(DataException.class, () -> texts(new TextSource(f, "text", 0, cs))).getMessage();
    }

    @Test
    void aLatin1ByteIsReportedWithItsLineAndByteOffsetAndTheFix() throws Exception {
        String sixty = "a line of text\n".repeat(60);
        Path f = write("latin.txt", utf8(sixty + "caf"), new byte[] {(byte) 0xE9}, utf8("\nmore\n"));
        assertEquals(f + " line 61 (byte offset " + (sixty.length() + 3) + ", bytes 0xe9): not valid utf-8 text; "
                + "set data.encoding to the file's encoding (for example windows-1252, iso-8859-1 or utf-16) or "
                + "convert the file to utf-8 (e.g. iconv -f windows-1252 -t utf-8)", failure(f, UTF8));
        List<String> read = texts(new TextSource(f, "text", 0, CP1252));
        assertEquals(62, read.size());
        assertEquals("café", read.get(60));
    }

    @Test
    void csvAndJsonlBytesAreLocatedToo() throws Exception {
        Path csv = write("latin.csv", utf8("text,label\nok,1\n\"na"), new byte[] {(byte) 0xEF, 'v', 'e'}, utf8("\",0\n"));
        assertTrue(failure(csv, UTF8).startsWith(csv + " line 3 (byte offset 19, bytes 0xef"), failure(csv, UTF8));
        Path jsonl = write("latin.jsonl", utf8("{\"text\": \"ok\"}\n{\"text\": \""), new byte[] {(byte) 0xFF},
                utf8("\"}\n"));
        assertTrue(failure(jsonl, UTF8).startsWith(jsonl + " line 2 (byte offset 25, bytes 0xff): not valid utf-8 text"),
                failure(jsonl, UTF8));
    }

    @Test
    void utf16TextGetsAHintAndReadsWithItsEncoding() throws Exception {
        Path f = write("wide.txt", new byte[] {(byte) 0xFF, (byte) 0xFE}, "one\ntwo\n".getBytes(StandardCharsets.UTF_16LE));
        String m = failure(f, UTF8);
        assertTrue(m.contains(" line 1 (byte offset 0, ") && m.contains("(it starts with a UTF-16 byte-order mark: "
                + "data.encoding: utf-16 reads it)"), m);
        assertEquals(List.of("one", "two"), texts(new TextSource(f, "text", 0, StandardCharsets.UTF_16)));
    }

    @Test
    void aUtf8ByteOrderMarkIsSkippedInCsvTextAndJsonl() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path csv = write("excel.csv", bom, utf8("text,label\nhello,1\nworld,0\n"));
        assertEquals(List.of("hello", "world"), texts(new TextSource(csv, "text", 0, UTF8)));
        Path txt = write("bom.txt", bom, utf8("first\nsecond\n"));
        assertEquals(List.of("first", "second"), texts(new TextSource(txt, "text", 0, UTF8)));
        Path jsonl = write("bom.jsonl", bom, utf8("{\"text\": \"x\"}\n"));
        assertEquals(List.of("x"), texts(new TextSource(jsonl, "text", 0, UTF8)));
    }

    @Test
    void csvRowsWithoutTheTextColumnAreCountedAndReported() throws Exception {
        Path f = write("short.csv", utf8("label,text\n1,kept\n2\n3,also kept\n4\n"));
        TextSource src = new TextSource(f, "text", 0, UTF8);
        assertEquals(List.of("kept", "also kept"), texts(src));
        assertEquals(List.of(f + ": 2 of 4 rows have no value in column 'text' (the header has 2 fields); the first "
                + "is row 2 (line 3); they were skipped (add the missing fields to keep them)"), src.warnings());

        Path none = write("none.csv", utf8("label,text\n1\n2\n"));
        assertEquals(none + ": 2 of 2 rows have no value in column 'text' (the header has 2 fields); the first is "
                + "row 1 (line 2); no row has the text, so nothing can be read: check the separator (a comma) and "
                + "set data.text_column to the column holding the text", failure(none, UTF8));

        TextSource whole = new TextSource(write("whole.csv", utf8("text\na\nb\n")), "text", 0, UTF8);
        texts(whole);
        assertEquals(List.of(), whole.warnings());
    }
}
