package dev.attnlab.spec;

import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecSchemaTest {

    @Test
    void committedSpecReferenceIsUpToDate() throws Exception {
        String committed = Files.readString(Path.of("docs/spec-reference.md"));
        assertEquals(SpecSchema.markdown(), committed,
                "docs/spec-reference.md is stale: regenerate it with `bin/attnlab schema --markdown > docs/spec-reference.md`");
    }

    @Test
    void everyRecordFieldHasASchemaKeyAndEveryLeafKeyAField() {
        Set<String> fromRecords = new TreeSet<>();
        collect("", ExperimentSpec.class, fromRecords);
        Set<String> fromSchema = new TreeSet<>();
        for (SpecSchema.Key k : SpecSchema.keys()) {
            if (!k.path().equals("extends")) {
                fromSchema.add(k.path());
            }
        }
        assertEquals(fromSchema, fromRecords);
    }

    /** Record components as snake_case paths; nested records are sections. file/resolved are not keys. */
    private static void collect(String prefix, Class<?> record, Set<String> out) {
        for (RecordComponent c : record.getRecordComponents()) {
            if (record == ExperimentSpec.class && (c.getName().equals("file") || c.getName().equals("resolved"))) {
                continue;
            }
            String path = prefix + snake(c.getName());
            out.add(path);
            if (c.getType().isRecord()) {
                collect(path + ".", c.getType(), out);
            }
        }
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    @Test
    void everyKeyHasAMeaningAndDefaultsSatisfyTheirOwnRules() {
        List<String> bad = new ArrayList<>();
        for (SpecSchema.Key k : SpecSchema.keys()) {
            if (k.meaning().isBlank()) {
                bad.add(k.path() + ": no meaning");
            }
            if (k.defaultValue() instanceof String s && !k.allowed().isEmpty() && !k.allowed().contains(s)) {
                bad.add(k.path() + ": default not allowed");
            }
            if (k.defaultValue() instanceof Number n && k.min() != null
                    && (k.min().inclusive() ? n.doubleValue() < k.min().value() : n.doubleValue() <= k.min().value())) {
                bad.add(k.path() + ": default below min");
            }
        }
        assertTrue(bad.isEmpty(), bad.toString());
        assertFalse(SpecSchema.markdown().contains("``"), "empty defaults are rendered visibly");
        assertEquals("an integer >= 1", SpecSchema.key("model.n_layers").orElseThrow().expected());
        assertEquals("a number in [0, 1)", SpecSchema.key("train.beta1").orElseThrow().expected());
    }
}
