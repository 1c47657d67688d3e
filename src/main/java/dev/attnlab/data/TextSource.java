package dev.attnlab.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Any text file, by extension:
 * <ul>
 *   <li>{@code .txt}: one document per line; blank lines are dropped (so a file of paragraphs
 *       separated by blank lines gives one document per paragraph only if each paragraph is one line);</li>
 *   <li>{@code .csv}: a header row, the document is column {@code text_column}, read with Apache Commons CSV;</li>
 *   <li>{@code .jsonl}: one JSON object per line, the document is field {@code text_column}.</li>
 * </ul>
 * Documents that are empty or blank are dropped in every format. {@code maxLines > 0} reads only the
 * first N lines (txt, jsonl) or records (csv). A text file has no splits of its own: everything is "train".
 * The file is decoded in {@code data.encoding} ({@link TextDecoding}: strict, a leading byte-order
 * mark skipped). CSV rows too short to reach the text column are skipped and counted: a warning
 * names how many and the first; a file where no row has the column is an error.
 */
public final class TextSource implements DocumentSource {

    private final Path file;
    private final String column;
    private final long maxLines;
    private final String format;
    private final Charset encoding;
    private List<String> warnings = List.of();

    public TextSource(Path file, String column, long maxLines, Charset encoding) throws DataException {
        this.file = file;
        this.column = column;
        this.maxLines = maxLines;
        this.encoding = encoding;
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".txt")) format = "txt";
        else if (n.endsWith(".csv")) format = "csv";
        else if (n.endsWith(".jsonl")) format = "jsonl";
        else throw new DataException("data.path: " + file + " is not a .txt, .csv or .jsonl file");
        if (!Files.isRegularFile(file)) {
            throw new DataException("data.path: " + file + " does not exist; place the file there, or set data.path to"
                    + " the file (a relative path is read from the folder attnlab runs in)");
        }
    }

    @Override public String name() { return "text"; }

    @Override public String variant() { return format; }

    @Override public List<String> splits() { return List.of("train"); }

    @Override public List<Path> files() { return List.of(file); }

    /** What the last {@link #read} skipped, one sentence each (empty when nothing was). */
    @Override public List<String> warnings() { return warnings; }

    @Override
    public void read(String split, Consumer<Document> sink) throws IOException {
        long limit = maxLines > 0 ? maxLines : Long.MAX_VALUE;
        warnings = List.of();
        try {
            switch (format) {
                case "txt" -> readTxt(sink, limit);
                case "csv" -> readCsv(sink, limit);
                default -> readJsonl(sink, limit);
            }
        } catch (CharacterCodingException e) {
            throw TextDecoding.undecodable(file, encoding, e);
        } catch (Csv.BadCsv e) {
            throw e.undecodable() ? TextDecoding.undecodable(file, encoding, e) : e.data();
        }
    }

    private void readTxt(Consumer<Document> sink, long limit) throws IOException {
        try (BufferedReader r = TextDecoding.open(file, encoding)) {
            String line;
            long n = 0;
            while (n++ < limit && (line = r.readLine()) != null) {
                if (!line.isBlank()) sink.accept(Document.text(line, null));
            }
        }
    }

    private void readCsv(Consumer<Document> sink, long limit) throws IOException {
        CSVFormat fmt = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        try (Reader r = TextDecoding.open(file, encoding); CSVParser p = fmt.parse(r)) {
            if (!p.getHeaderMap().containsKey(column)) {
                throw new DataException(file + ": no column '" + column + "' (header is " + p.getHeaderNames()
                        + "); set data.text_column to one of them");
            }
            RowsWithoutColumn lacking = new RowsWithoutColumn();
            long n = 0;
            for (CSVRecord rec : Csv.records(p, file)) {
                if (n >= limit) break;
                n++;
                if (!rec.isSet(column)) {
                    lacking.add(rec.getRecordNumber(), p.getCurrentLineNumber());
                    continue;
                }
                String t = rec.get(column);
                if (!t.isBlank()) sink.accept(Document.text(t, null));
            }
            warnings = lacking.report(n, p.getHeaderNames().size());
        }
    }

    /** CSV rows too short to hold the text column: how many, and the first one's record and line number. */
    private final class RowsWithoutColumn {
        long count;
        long firstRecord;
        long firstLine;

        void add(long record, long line) {
            if (count++ == 0) {
                firstRecord = record;
                firstLine = line;
            }
        }

        /** A warning when some rows lack the column; an error when every row does. */
        List<String> report(long rows, int headerFields) throws DataException {
            if (count == 0) return List.of();
            String what = file + ": " + count + " of " + rows + " rows have no value in column '" + column
                    + "' (the header has " + headerFields + " fields); the first is row " + firstRecord
                    + " (line " + firstLine + ")";
            if (count == rows) {
                throw new DataException(what + "; no row has the text, so nothing can be read: check the "
                        + "separator (a comma) and set data.text_column to the column holding the text");
            }
            return List.of(what + "; they were skipped (add the missing fields to keep them)");
        }
    }

    private void readJsonl(Consumer<Document> sink, long limit) throws IOException {
        ObjectMapper om = new ObjectMapper();
        try (BufferedReader r = TextDecoding.open(file, encoding)) {
            String line;
            long n = 0;
            while (n < limit && (line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = om.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new DataException(file + " line " + n + ": not valid JSON (" + e.getOriginalMessage() + ")");
                }
                JsonNode t = o == null ? null : o.get(column);
                if (t == null || !t.isTextual()) {
                    throw new DataException(file + " line " + n + ": no string field '" + column
                            + "'; set data.text_column to the field holding the text");
                }
                if (!t.asText().isBlank()) sink.accept(Document.text(t.asText(), null));
            }
        }
    }
}
