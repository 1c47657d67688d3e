import dev.attnlab.tokenize.Gpt2Tokenizer;
import dev.attnlab.tokenize.IntList;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark (not a test): attnlab's GPT-2 tokenizer on every review of an IMDB CSV, one thread.
 * The first pass runs in a fresh JVM ("attnlab-cold": JIT compilation and an empty word cache, what a
 * single tokenize stage run pays); then each repetition uses a fresh tokenizer instance (empty word
 * cache) in the now-warm JVM ("attnlab"). Prints one JSON line per pass.
 * Usage: java -cp CLASSPATH bench/tokenizer/Gpt2Bench.java GPT2_DIR IMDB_CSV REPS
 */
public class Gpt2Bench {
    public static void main(String[] args) throws Exception {
        Path vocab = Path.of(args[0]);
        Path csv = Path.of(args[1]);
        int reps = Integer.parseInt(args[2]);
        List<String> texts = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            for (CSVRecord rec : p) texts.add(rec.get("review"));
        }
        long bytes = 0;
        for (String t : texts) bytes += t.getBytes(StandardCharsets.UTF_8).length;
        IntList out = new IntList(1 << 16);
        run("attnlab-cold", 0, Gpt2Tokenizer.load(vocab), texts, bytes, out);
        for (int rep = 0; rep < reps; rep++) {
            run("attnlab", rep, Gpt2Tokenizer.load(vocab), texts, bytes, out);
        }
    }

    private static void run(String impl, int rep, Gpt2Tokenizer tok, List<String> texts, long bytes, IntList out) {
        long tokens = 0, checksum = 0;
        long t0 = System.nanoTime();
        for (String t : texts) {
            out.clear();
            tok.encode(t, out);
            tokens += out.size();
            int[] a = out.array();
            for (int k = 0; k < out.size(); k++) checksum = checksum * 31 + a[k];
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("{\"impl\": \"%s\", \"rep\": %d, \"docs\": %d, \"bytes\": %d, \"tokens\": %d, "
                        + "\"seconds\": %.4f, \"mb_per_s\": %.3f, \"tokens_per_s\": %.0f, \"checksum\": %d}%n",
                impl, rep, texts.size(), bytes, tokens, s, bytes / 1e6 / s, tokens / s, checksum);
    }
}
