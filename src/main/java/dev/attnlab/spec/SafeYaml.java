package dev.attnlab.spec;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Safe YAML for specs and pipelines: YAML 1.2 core schema through snakeyaml-engine's composer, so
 * every value keeps its line and column. No tags (so no classes are ever instantiated), no merge
 * keys, one document, bounded size, nesting and aliases, and a bounded size after alias expansion
 * ({@link YamlScreen} checks all of it on parser events, before any node is built, so an alias
 * bomb or a recursive alias costs no more than reading the text). Problems are collected, not thrown.
 *
 * <p>Values become plain Java: {@code Map<String,Object>} (insertion order), {@code List<Object>},
 * String, Long, Double, Boolean or null. {@link Doc#where} maps each key path ("train.lr") to the
 * position of its value ("stages[2]" for list items); {@link Doc#keyWhere} to the position of the key itself.
 */
public final class SafeYaml {

    public static final long MAX_BYTES = 1 << 20;
    public static final int MAX_DEPTH = 16;
    public static final int MAX_ALIASES = 50;
    /** Nodes (keys, list items, scalars, collections) after alias expansion: what bounds an alias bomb. */
    public static final long MAX_VALUES = 10_000;

    /** A parsed document and where each key path came from. */
    public record Doc(Object root, Map<String, String> where, Map<String, String> keyWhere) { }

    private SafeYaml() { }

    /** Reads a file; problems (missing, too big, syntax, tags...) are added to {@code problems}. */
    public static Doc readFile(Path file, List<SpecProblem> problems) {
        String label = file.toString();
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                problems.add(new SpecProblem(label, "", "file is " + size + " bytes; specs are limited to "
                        + MAX_BYTES + " bytes (1 MiB)"));
                return null;
            }
            byte[] bytes = Files.readAllBytes(file);
            Optional<String> text = decodeUtf8(bytes, label, problems);
            return text.map(t -> readString(t, label, problems)).orElse(null);
        } catch (NoSuchFileException e) {
            problems.add(new SpecProblem(label, "", "file not found"));
        } catch (IOException e) {
            problems.add(new SpecProblem(label, "", "cannot read: " + e.getMessage()));
        }
        return null;
    }

    /** The text, or empty with a problem at the line and column of the first byte that is not UTF-8. */
    private static Optional<String> decodeUtf8(byte[] bytes, String label, List<SpecProblem> problems) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, out, true);
        if (!r.isError()) {
            return Optional.of(out.flip().toString());
        }
        String before = out.flip().toString();
        int line = 1 + (int) before.chars().filter(c -> c == '\n').count();
        int column = before.length() - before.lastIndexOf('\n');
        problems.add(new SpecProblem(label + ":" + line + ":" + column, "", String.format(
                "byte 0x%02x is not UTF-8 text; specs are UTF-8: remove the byte or convert the file "
                        + "(e.g. iconv -f windows-1252 -t utf-8)", bytes[in.position()] & 0xff)));
        return Optional.empty();
    }

    /** Parses YAML text; {@code label} names the source in problems (a path or "--set a.b=c"). */
    public static Doc readString(String text, String label, List<SpecProblem> problems) {
        if (text.length() > MAX_BYTES) {
            problems.add(new SpecProblem(label, "", "text longer than " + MAX_BYTES + " characters"));
            return null;
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(true) // duplicates are reported below, with both positions
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit((int) MAX_BYTES)
                .setUseMarks(true)
                .build();
        int before = problems.size();
        try {
            YamlScreen.screen(text, label, settings, problems);
            if (problems.size() > before) {
                return null;
            }
            Optional<Node> node = new Compose(settings).composeString(text);
            Map<String, String> where = new HashMap<>();
            Map<String, String> keyWhere = new HashMap<>();
            Object root = node.isEmpty() ? null : convert(node.get(), "", label, where, keyWhere, problems);
            where.put("", node.map(n -> at(label, n.getStartMark())).orElse(label));
            return problems.size() > before ? null : new Doc(root, where, keyWhere);
        } catch (MarkedYamlEngineException e) {
            problems.add(new SpecProblem(at(label, e.getProblemMark()), "",
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")")));
        } catch (YamlEngineException e) {
            problems.add(new SpecProblem(label, "", "invalid YAML: " + e.getMessage()));
        }
        return null;
    }

    private static Object convert(Node node, String path, String label, Map<String, String> where,
                                  Map<String, String> keyWhere, List<SpecProblem> problems) {
        if (node instanceof MappingNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, String> firstAt = new HashMap<>();
            for (NodeTuple t : m.getValue()) {
                String keyAt = at(label, t.getKeyNode().getStartMark());
                if (!(t.getKeyNode() instanceof ScalarNode k) || !Tag.STR.equals(k.getTag())) {
                    problems.add(new SpecProblem(keyAt, path, "keys must be plain names (found "
                            + describeNode(t.getKeyNode()) + ")"));
                    continue;
                }
                String key = k.getValue();
                String childPath = path.isEmpty() ? key : path + "." + key;
                if (firstAt.containsKey(key)) {
                    problems.add(new SpecProblem(keyAt, childPath, "duplicate key (first set at "
                            + firstAt.get(key) + ")"));
                    continue;
                }
                firstAt.put(key, keyAt);
                keyWhere.put(childPath, keyAt);
                where.put(childPath, at(label, t.getValueNode().getStartMark()));
                out.put(key, convert(t.getValueNode(), childPath, label, where, keyWhere, problems));
            }
            return out;
        }
        if (node instanceof SequenceNode s) {
            List<Object> out = new ArrayList<>();
            for (Node item : s.getValue()) {
                String itemPath = path + "[" + out.size() + "]";
                where.put(itemPath, at(label, item.getStartMark()));
                out.add(convert(item, itemPath, label, where, keyWhere, problems));
            }
            return out;
        }
        ScalarNode s = (ScalarNode) node;
        String v = s.getValue();
        Tag tag = s.getTag();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.parseBoolean(v.toLowerCase());
        }
        if (Tag.INT.equals(tag)) {
            BigInteger big = parseInt(v);
            if (big.bitLength() > 63) {
                problems.add(new SpecProblem(at(label, s.getStartMark()), path, "integer " + v + " is out of range"));
                return null;
            }
            return big.longValue();
        }
        if (Tag.FLOAT.equals(tag)) {
            String f = v.toLowerCase();
            return switch (f) {
                case ".inf", "+.inf" -> Double.POSITIVE_INFINITY;
                case "-.inf" -> Double.NEGATIVE_INFINITY;
                case ".nan" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
        }
        return v;
    }

    private static BigInteger parseInt(String v) {
        String t = v.startsWith("+") ? v.substring(1) : v;
        if (t.startsWith("0x")) {
            return new BigInteger(t.substring(2), 16);
        }
        if (t.startsWith("0o")) {
            return new BigInteger(t.substring(2), 8);
        }
        return new BigInteger(t);
    }

    private static String describeNode(Node n) {
        return n instanceof MappingNode ? "a mapping" : n instanceof SequenceNode ? "a list"
                : "'" + ((ScalarNode) n).getValue() + "'";
    }

    /** "label:line:column" (1-based), or just the label when the position is unknown. */
    static String at(String label, Optional<Mark> mark) {
        if (mark.isEmpty() || label.startsWith("--set")) {
            return label;
        }
        return label + ":" + (mark.get().getLine() + 1) + ":" + (mark.get().getColumn() + 1);
    }
}
