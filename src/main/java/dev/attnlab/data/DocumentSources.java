package dev.attnlab.data;

import dev.attnlab.spec.DataSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds the {@link DocumentSource} a {@code data} section names, fetching a missing named dataset. */
public final class DocumentSources {

    private DocumentSources() { }

    public static DocumentSource open(DataSpec d, long seed, Path dataDir, Downloader downloader) throws DataException {
        String explicit = d.path() == null ? "" : d.path().trim();
        return switch (d.source()) {
            case SYNTHETIC -> new SyntheticSource(d.synthetic(), seed);
            case TEXT -> {
                if (explicit.isEmpty()) throw new DataException("data.path: the text source needs the file to read (.txt, .csv or .jsonl)");
                yield new TextSource(DataDirs.expand(explicit, System.getProperty("user.home")), d.textColumn(), d.maxLines(),
                        TextDecoding.charset(d.encoding()));
            }
            case IMDB -> imdb(d, dataDir, downloader, explicit);
            case WIKITEXT -> wikitext(d, dataDir, downloader, explicit);
        };
    }

    private static DocumentSource imdb(DataSpec d, Path dataDir, Downloader dl, String explicit) throws DataException {
        String format = d.format().value();
        if (!explicit.isEmpty()) {
            Path root = DataDirs.expand(explicit, System.getProperty("user.home"));
            ImdbSource s = ImdbSource.find(root, format);
            if (s == null) {
                throw new DataException("data.path: " + root + " has neither train.csv + test.csv (review,sentiment) nor an aclImdb "
                        + "folder (train|test/pos|neg/*.txt)" + (format.equals("auto") ? "" : " for data.format: " + format));
            }
            return s;
        }
        Path root = dataDir.resolve("imdb");
        ImdbSource s = ImdbSource.find(root, format);
        if (s != null) return s;
        if (format.equals("csv")) {
            throw new DataException("data.format: csv, but " + root.resolve("train.csv") + " does not exist (only the aclImdb "
                    + "folder layout can be downloaded); place train.csv and test.csv there or use data.format: auto");
        }
        RemoteFile f = RemoteFile.of("imdb");
        dl.ensure(f, dataDir, List.of(root.resolve("aclImdb/train/pos"), root.resolve("aclImdb/test/neg")),
                "IMDB (data.source: imdb)");
        return ImdbSource.find(root, "folder");
    }

    private static DocumentSource wikitext(DataSpec d, Path dataDir, Downloader dl, String explicit) throws DataException {
        String variant = d.variant().value();
        String format = d.format() == DataSpec.Format.AUTO ? "raw" : d.format().value();
        if (!format.equals("raw") && !format.equals("tokens")) {
            throw new DataException("data.format: wikitext takes raw or tokens (auto = raw), not '" + format + "'");
        }
        Path dir = explicit.isEmpty() ? dataDir.resolve(variant) : DataDirs.expand(explicit, System.getProperty("user.home"));
        WikiTextSource s = new WikiTextSource(dir, variant, format, d.maxLines());
        List<Path> files = s.files();
        if (!explicit.isEmpty()) {
            for (Path p : files) {
                if (!Files.isRegularFile(p)) {
                    throw new DataException("data.path: " + dir + " lacks " + p.getFileName() + " (WikiText needs wiki.train|valid|test."
                            + format + ")");
                }
            }
            return s;
        }
        dl.ensure(RemoteFile.of(variant + "/" + format), dataDir, files, "WikiText (data.variant: " + variant + ", format: " + format + ")");
        return s;
    }
}
