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
import java.nio.charset.StandardCharsets;
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
 */
public final class TextSource implements DocumentSource {

    private final Path file;
    private final String column;
    private final long maxLines;
    private final String format;

    public TextSource(Path file, String column, long maxLines) throws DataException {
        this.file = file;
        this.column = column;
        this.maxLines = maxLines;
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

    @Override
    public void read(String split, Consumer<Document> sink) throws IOException {
        long limit = maxLines > 0 ? maxLines : Long.MAX_VALUE;
        switch (format) {
            case "txt" -> {
                try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    long n = 0;
                    while (n++ < limit && (line = r.readLine()) != null) {
                        if (!line.isBlank()) sink.accept(Document.text(line, null));
                    }
                }
            }
            case "csv" -> readCsv(sink, limit);
            default -> readJsonl(sink, limit);
        }
    }

    private void readCsv(Consumer<Document> sink, long limit) throws IOException {
        CSVFormat fmt = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser p = fmt.parse(r)) {
            if (!p.getHeaderMap().containsKey(column)) {
                throw new DataException(file + ": no column '" + column + "' (header is " + p.getHeaderNames()
                        + "); set data.text_column to one of them");
            }
            long n = 0;
            for (CSVRecord rec : Csv.records(p, file)) {
                if (n++ >= limit) break;
                if (!rec.isSet(column)) {
                    throw new DataException(file + " record " + rec.getRecordNumber() + ": has no value for column '" + column + "'");
                }
                String t = rec.get(column);
                if (!t.isBlank()) sink.accept(Document.text(t, null));
            }
        } catch (Csv.BadCsv e) {
            throw e.data();
        }
    }

    private void readJsonl(Consumer<Document> sink, long limit) throws IOException {
        ObjectMapper om = new ObjectMapper();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
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
