package dev.attnlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.data.DataDirs;
import dev.attnlab.data.Downloader;
import dev.attnlab.pipeline.Progress;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tokenize.IntList;
import dev.attnlab.tokenize.Tokenizer;
import dev.attnlab.tokenize.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code attnlab tokenize}: JSON lines with a "text" field on stdin → the same objects with "ids" on stdout. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Tokenizes JSON lines from stdin: each object's \"text\" field gets an \"ids\" field.",
                "Example: echo '{\"text\": \"Hello world\"}' | attnlab tokenize --tokenizer gpt2"})
public final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "KIND",
            description = "gpt2 | bert-base-cased | bert-base-uncased")
    String kind;

    @Option(names = "--vocab", paramLabel = "PATH",
            description = "gpt2: folder with encoder.json + vocab.bpe; bert: vocab.txt. Default: the data directory's copy.")
    String vocab = "";

    @Option(names = "--special-tokens", description = "bert: wrap each text in [CLS] ... [SEP]")
    boolean specialTokens;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "data directory holding gpt2/ and bert-base-*/ (default $ATTNLAB_DATA, else ~/.cache/attnlab/data)")
    String dataDir = "";

    @Option(names = "--no-download", description = "fail instead of fetching a missing vocabulary")
    boolean noDownload;

    private final InputStream in;
    private final OutputStream out;
    private final PrintStream err;

    public TokenizeCommand() {
        this(System.in, System.out, System.err);
    }

    TokenizeCommand(InputStream in, OutputStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (kind.equals("none")) {
            err.println("error: --tokenizer none has nothing to tokenize; use gpt2, bert-base-cased or bert-base-uncased");
            return 2;
        }
        Tokenizer tok;
        try {
            RunLog log = new RunLog() {
                @Override public void info(String m) { err.println(m); }
                @Override public void warn(String m) { err.println("warning: " + m); }
            };
            tok = Tokenizers.load(kind, vocab, specialTokens, DataDirs.resolve(dataDir),
                    Downloader.fromEnvironment(!noDownload, Progress.NONE, log));
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        ObjectMapper om = new ObjectMapper();
        IntList ids = new IntList(1024);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        try (Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = om.readTree(line);
                } catch (JsonProcessingException e) {
                    w.flush();
                    err.println("error: stdin line " + n + ": not valid JSON (" + e.getOriginalMessage() + ")");
                    return 1;
                }
                JsonNode text = node == null ? null : node.get("text");
                if (!(node instanceof ObjectNode obj) || text == null || !text.isTextual()) {
                    w.flush();
                    err.println("error: stdin line " + n + ": expected a JSON object with a string field \"text\"");
                    return 1;
                }
                ids.clear();
                tok.encode(text.asText(), ids);
                ArrayNode arr = obj.putArray("ids");
                for (int k = 0; k < ids.size(); k++) arr.add(ids.get(k));
                w.write(om.writeValueAsString(obj));
                w.write('\n');
            }
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
