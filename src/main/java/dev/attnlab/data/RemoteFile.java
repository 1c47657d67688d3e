package dev.attnlab.data;

import java.util.List;
import java.util.Map;

/**
 * A file at its canonical address with its sha256, and how it lands in the data directory.
 *
 * @param fileName    the file's own name (also its name under a mirror)
 * @param url         canonical address
 * @param sha256      expected sha256 of the downloaded bytes
 * @param size        expected size in bytes (for the progress bar; 0 = unknown)
 * @param archive     "file" (kept as is), "tar.gz" or "zip"
 * @param targetDir   folder under the data directory it unpacks into, e.g. "imdb", "wikitext-2"
 * @param stripPrefix archive path prefix removed before placing an entry (e.g. "wikitext-2-raw/")
 * @param keep        archive path prefixes to unpack (after stripping); empty = everything
 */
public record RemoteFile(String fileName, String url, String sha256, long size, String archive,
                         String targetDir, String stripPrefix, List<String> keep) {

    /**
     * Every named dataset and vocabulary. Checksums: IMDB and the GPT-2/BERT vocabularies as pinned
     * by many independent projects (and for the vocabularies the files in shared/data); WikiText
     * as recorded in Hugging Face's wikitext dataset_infos.json ("download_checksums").
     */
    public static final Map<String, RemoteFile> CATALOG = Map.of(
            "imdb", new RemoteFile("aclImdb_v1.tar.gz",
                    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                    "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", 84_125_825L,
                    "tar.gz", "imdb", "",
                    List.of("aclImdb/train/pos/", "aclImdb/train/neg/", "aclImdb/test/pos/", "aclImdb/test/neg/", "aclImdb/README")),
            "wikitext-2/raw", wikitext("wikitext-2-raw-v1.zip", "ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11",
                    4_721_645L, "wikitext-2", "wikitext-2-raw/"),
            "wikitext-2/tokens", wikitext("wikitext-2-v1.zip", "92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",
                    4_475_746L, "wikitext-2", "wikitext-2/"),
            "wikitext-103/raw", wikitext("wikitext-103-raw-v1.zip", "91c00ae287f0d699e18605c84afc9e45c192bc6b7797ff8837e5474655a33794",
                    191_984_949L, "wikitext-103", "wikitext-103-raw/"),
            "wikitext-103/tokens", wikitext("wikitext-103-v1.zip", "242ba0f20b329cfdf1ccc61e9e9e5b59becf189db7f7a81cd2a0e2fc31539590",
                    190_229_076L, "wikitext-103", "wikitext-103/"),
            "gpt2/encoder.json", new RemoteFile("encoder.json",
                    "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/encoder.json",
                    "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783", 1_042_301L, "file", "gpt2", "", List.of()),
            "gpt2/vocab.bpe", new RemoteFile("vocab.bpe",
                    "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/vocab.bpe",
                    "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5", 456_318L, "file", "gpt2", "", List.of()),
            "bert-base-uncased/vocab.txt", new RemoteFile("vocab.txt",
                    "https://huggingface.co/bert-base-uncased/resolve/main/vocab.txt",
                    "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", 231_508L, "file", "bert-base-uncased", "", List.of()),
            "bert-base-cased/vocab.txt", new RemoteFile("vocab.txt",
                    "https://huggingface.co/bert-base-cased/resolve/main/vocab.txt",
                    "eeaa9875b23b04b4c54ef759d03db9d1ba1554838f8fb26c5d96fa551df93d02", 213_450L, "file", "bert-base-cased", "", List.of()));

    private static RemoteFile wikitext(String zip, String sha, long size, String dir, String prefix) {
        return new RemoteFile(zip, "https://s3.amazonaws.com/research.metamind.io/wikitext/" + zip, sha, size,
                "zip", dir, prefix, List.of());
    }

    public static RemoteFile of(String key) {
        RemoteFile f = CATALOG.get(key);
        if (f == null) throw new IllegalArgumentException("no remote file '" + key + "'");
        return f;
    }

    /** Where an archive entry goes, relative to {@link #targetDir()}; null = not unpacked. */
    String placement(String entry) {
        if (!entry.startsWith(stripPrefix)) return null;
        String rel = entry.substring(stripPrefix.length());
        if (rel.isEmpty()) return null;
        if (keep.isEmpty()) return rel;
        for (String k : keep) if (rel.startsWith(k)) return rel;
        return null;
    }
}
