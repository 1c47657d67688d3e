package dev.attnlab.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * IMDB reviews (Maas et al. 2011) in either layout under one folder:
 * <ul>
 *   <li>csv: {@code train.csv} and {@code test.csv} with header {@code review,sentiment}
 *       (sentiment positive|negative), read with Apache Commons CSV;</li>
 *   <li>folder: the unpacked {@code aclImdb} tree, {@code train|test/pos|neg/<id>_<rating>.txt}
 *       (the unlabelled {@code train/unsup} is not read).</li>
 * </ul>
 * Both give the same order: pos/0, neg/0, pos/1, neg/1, ... (files sorted by their numeric id), which
 * is the row order of the CSV files in shared/data. Labels become "pos" / "neg".
 */
public final class ImdbSource implements DocumentSource {

    private final Path root;       // folder holding train.csv/test.csv, or the aclImdb folder
    private final boolean csv;

    private ImdbSource(Path root, boolean csv) {
        this.root = root;
        this.csv = csv;
    }

    /**
     * Finds the data under {@code dir} ({@code dir/train.csv}, {@code dir/aclImdb/train/pos}, or
     * {@code dir/train/pos}); {@code format} is auto, csv or folder. Returns null when nothing is there.
     */
    public static ImdbSource find(Path dir, String format) throws DataException {
        boolean wantCsv = format.equals("auto") || format.equals("csv");
        boolean wantFolder = format.equals("auto") || format.equals("folder");
        if (!wantCsv && !wantFolder) {
            throw new DataException("data.format: imdb takes auto, csv or folder, not '" + format + "'");
        }
        if (wantCsv && Files.isRegularFile(dir.resolve("train.csv"))) return new ImdbSource(dir, true);
        if (wantFolder) {
            for (Path p : List.of(dir.resolve("aclImdb"), dir)) {
                if (Files.isDirectory(p.resolve("train").resolve("pos"))) return new ImdbSource(p, false);
            }
        }
        return null;
    }

    @Override public String name() { return "imdb"; }

    @Override public String variant() { return csv ? "csv" : "folder"; }

    @Override public List<String> splits() { return List.of("train", "test"); }

    @Override
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String s : splits()) {
            if (csv) {
                out.add(root.resolve(s + ".csv"));
            } else {
                out.add(root.resolve(s).resolve("pos"));
                out.add(root.resolve(s).resolve("neg"));
            }
        }
        return out;
    }

    @Override
    public void read(String split, Consumer<Document> sink) throws IOException {
        if (csv) readCsv(root.resolve(split + ".csv"), sink);
        else readFolder(root.resolve(split), sink);
    }

    private static void readCsv(Path file, Consumer<Document> sink) throws IOException {
        if (!Files.isRegularFile(file)) throw new DataException(file + ": missing (the imdb csv layout needs train.csv and test.csv)");
        CSVFormat fmt = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser p = fmt.parse(r)) {
            if (!p.getHeaderMap().containsKey("review")) {
                throw new DataException(file + ": no 'review' column (header is " + p.getHeaderNames()
                        + "); the imdb csv layout is review,sentiment");
            }
            boolean hasLabel = p.getHeaderMap().containsKey("sentiment");
            for (CSVRecord rec : Csv.records(p, file)) {
                if (!rec.isConsistent()) {
                    throw new DataException(file + " record " + rec.getRecordNumber()
                            + ": expected " + p.getHeaderNames().size() + " fields, found " + rec.size());
                }
                String label = hasLabel ? shortLabel(rec.get("sentiment")) : null;
                sink.accept(Document.text(rec.get("review"), label));
            }
        } catch (Csv.BadCsv e) {
            throw e.data();
        }
    }

    private static String shortLabel(String s) {
        return switch (s) {
            case "positive", "pos" -> "pos";
            case "negative", "neg" -> "neg";
            default -> s;
        };
    }

    private static void readFolder(Path splitDir, Consumer<Document> sink) throws IOException {
        List<Path> pos = sortedTexts(splitDir.resolve("pos"));
        List<Path> neg = sortedTexts(splitDir.resolve("neg"));
        for (int i = 0; i < Math.max(pos.size(), neg.size()); i++) {
            if (i < pos.size()) sink.accept(Document.text(Files.readString(pos.get(i), StandardCharsets.UTF_8), "pos"));
            if (i < neg.size()) sink.accept(Document.text(Files.readString(neg.get(i), StandardCharsets.UTF_8), "neg"));
        }
    }

    /** {@code <id>_<rating>.txt} files sorted by numeric id (then name, for other names). */
    static List<Path> sortedTexts(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new DataException(dir + ": missing (the aclImdb layout has train|test/pos|neg)");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .sorted(Comparator.comparingLong(ImdbSource::leadingId).thenComparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    private static long leadingId(Path p) {
        String n = p.getFileName().toString();
        int k = 0;
        while (k < n.length() && Character.isDigit(n.charAt(k))) k++;
        if (k == 0 || k > 18) return Long.MAX_VALUE;
        return Long.parseLong(n.substring(0, k));
    }
}
