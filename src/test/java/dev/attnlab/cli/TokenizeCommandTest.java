package dev.attnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnlab.tokenize.SharedData;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeCommandTest {

    private record Result(int code, List<String> out, String err) { }

    private static Result run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        TokenizeCommand cmd = new TokenizeCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int code = new CommandLine(cmd).execute(args);
        String o = out.toString(StandardCharsets.UTF_8);
        return new Result(code, o.isEmpty() ? List.of() : List.of(o.split("\n")), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void gpt2AddsIdsAndKeepsOtherFields() throws Exception {
        Path gpt2 = SharedData.dir().resolve("gpt2");
        Result r = run("{\"text\": \"Hello world\", \"id\": 7}\n\n{\"text\": \"\"}\n", "--tokenizer", "gpt2", "--vocab", gpt2.toString());
        assertEquals(0, r.code, r.err);
        assertEquals(2, r.out.size());
        JsonNode a = new ObjectMapper().readTree(r.out.get(0));
        assertEquals(7, a.get("id").asInt());
        assertEquals("[15496,995]", a.get("ids").toString());
        assertEquals("[]", new ObjectMapper().readTree(r.out.get(1)).get("ids").toString());
    }

    @Test
    void bertMatchesTheReferenceFileLineForLine() throws Exception {
        Path ref = SharedData.file("bert-base-uncased/reference_encodings.jsonl");
        List<String> lines = Files.readAllLines(ref);
        Result r = run(String.join("\n", lines) + "\n", "--tokenizer", "bert-base-uncased", "--special-tokens",
                "--vocab", ref.resolveSibling("vocab.txt").toString());
        assertEquals(0, r.code, r.err);
        assertEquals(lines.size(), r.out.size());
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(om.readTree(lines.get(i)).get("ids"), om.readTree(r.out.get(i)).get("ids"), "line " + (i + 1));
        }
    }

    @Test
    void badInputNamesTheLine() {
        Path gpt2 = SharedData.dir().resolve("gpt2");
        Result r = run("{\"text\": \"ok\"}\n{\"body\": \"x\"}\n", "--tokenizer", "gpt2", "--vocab", gpt2.toString());
        assertEquals(1, r.code);
        assertEquals(1, r.out.size(), "lines before the bad one are written");
        assertTrue(r.err.contains("stdin line 2") && r.err.contains("\"text\""), r.err);
        r = run("not json\n", "--tokenizer", "gpt2", "--vocab", gpt2.toString());
        assertTrue(r.err.contains("stdin line 1: not valid JSON"), r.err);
    }

    @Test
    void missingVocabularyIsAClearError() {
        Result r = run("", "--tokenizer", "bert-base-cased", "--vocab", "/nonexistent/vocab.txt");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("tokenizer.vocab") && r.err.contains("/nonexistent/vocab.txt"), r.err);
        r = run("", "--tokenizer", "gpt2", "--data-dir", "/nonexistent-data", "--no-download");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("encoder.json") && r.err.contains("196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"), r.err);
    }

    @Test
    void registeredInMain() {
        assertTrue(new CommandLine(new Main()).getSubcommands().containsKey("tokenize"));
    }
}
