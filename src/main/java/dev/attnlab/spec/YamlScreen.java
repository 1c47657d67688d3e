package dev.attnlab.spec;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.DocumentStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Screens a YAML text's parser events before any node is built: tags, extra documents, deep
 * nesting, too many aliases, aliases that expand past {@link SafeYaml#MAX_VALUES} values or
 * {@link SafeYaml#MAX_BYTES} characters (alias bombs), recursive aliases, and merge keys. It works
 * on events, so its cost is linear in the text whatever the aliases would expand to.
 */
final class YamlScreen {

    /** What an anchored node expands to; {@code open} while its collection is still being read. */
    private static final class Anchored {
        final Optional<Mark> mark;
        final long valuesBefore;
        final long charsBefore;
        long values;
        long chars;
        boolean open = true;

        Anchored(Optional<Mark> mark, long valuesBefore, long charsBefore) {
            this.mark = mark;
            this.valuesBefore = valuesBefore;
            this.charsBefore = charsBefore;
        }
    }

    /** An open collection: a mapping alternates key and value positions. */
    private static final class Collection {
        final boolean mapping;
        final Anchored anchored; // null when the collection has no anchor
        boolean keyNext = true;

        Collection(boolean mapping, Anchored anchored) {
            this.mapping = mapping;
            this.anchored = anchored;
        }
    }

    private final String label;
    private final List<SpecProblem> problems;
    private final Deque<Collection> open = new ArrayDeque<>();
    private final Map<String, Anchored> anchors = new HashMap<>(); // the latest definition of each name
    private long values;  // nodes after alias expansion, so far
    private long chars;   // scalar characters after alias expansion, so far
    private int aliases;
    private int documents;

    private YamlScreen(String label, List<SpecProblem> problems) {
        this.label = label;
        this.problems = problems;
    }

    /** Adds a problem for each thing refused; stops at the first one that makes reading on pointless. */
    static void screen(String text, String label, LoadSettings settings, List<SpecProblem> problems) {
        YamlScreen s = new YamlScreen(label, problems);
        for (Event e : new Parse(settings).parseString(text)) {
            if (!s.accept(e)) {
                return;
            }
        }
    }

    /** False when reading must stop. */
    private boolean accept(Event e) {
        if (e instanceof DocumentStartEvent && ++documents > 1) {
            return fatal(e, "more than one YAML document ('---'); a spec is a single document");
        }
        if (e instanceof CollectionEndEvent) {
            close();
            return true;
        }
        if (!(e instanceof NodeEvent node)) {
            return true;
        }
        boolean key = takePosition();
        if (node instanceof AliasEvent alias) {
            return expand(alias);
        }
        rejectTag(e);
        if (node instanceof ScalarEvent s) {
            if (key && s.isPlain() && s.getValue().equals("<<")) {
                problems.add(new SpecProblem(SafeYaml.at(label, e.getStartMark()), "", "YAML merge keys ('<<') "
                        + "are not supported; write the keys out, or move shared keys to a base spec and use "
                        + "'extends: base.yaml'"));
            }
            Anchored anchored = node.getAnchor().map(a -> define(a.getValue(), e)).orElse(null);
            boolean fits = count(e, s.getValue().length());
            finish(anchored);
            return fits;
        }
        if (open.size() >= SafeYaml.MAX_DEPTH) {
            return fatal(e, "nesting deeper than " + SafeYaml.MAX_DEPTH + " levels; a spec needs at most 3");
        }
        Anchored anchored = node.getAnchor().map(a -> define(a.getValue(), e)).orElse(null);
        open.push(new Collection(e instanceof MappingStartEvent, anchored));
        return count(e, 0);
    }

    /** Whether the node now starting is a mapping key; moves its mapping to the next position. */
    private boolean takePosition() {
        Collection parent = open.peek();
        if (parent == null || !parent.mapping) {
            return false;
        }
        boolean key = parent.keyNext;
        parent.keyNext = !key;
        return key;
    }

    private Anchored define(String name, Event e) {
        Anchored a = new Anchored(e.getStartMark(), values, chars);
        anchors.put(name, a);
        return a;
    }

    private void close() {
        finish(open.pop().anchored);
    }

    /** Records what an anchored node expanded to, now that it is complete. */
    private void finish(Anchored a) {
        if (a != null) {
            a.values = values - a.valuesBefore;
            a.chars = chars - a.charsBefore;
            a.open = false;
        }
    }

    private boolean expand(AliasEvent alias) {
        if (++aliases > SafeYaml.MAX_ALIASES) {
            return fatal(alias, "more than " + SafeYaml.MAX_ALIASES + " aliases (*name); refusing a possible alias bomb");
        }
        String name = alias.getAlias().getValue();
        Anchored target = anchors.get(name);
        if (target == null) {
            return true; // an undefined alias: the composer reports it with its position
        }
        if (target.open) {
            return fatal(alias, "recursive alias: *" + name + " refers to the collection it is in (anchored at "
                    + lineColumn(target.mark) + "); a spec value cannot contain itself");
        }
        values += target.values;
        chars += target.chars;
        if (values > SafeYaml.MAX_VALUES) {
            return fatal(alias, "alias *" + name + " expands the spec past " + SafeYaml.MAX_VALUES
                    + " values; refusing a possible alias bomb (write the values out)");
        }
        if (chars > SafeYaml.MAX_BYTES) {
            return fatal(alias, "alias *" + name + " expands the spec's text past " + SafeYaml.MAX_BYTES
                    + " characters; refusing a possible alias bomb (write the text out once)");
        }
        return true;
    }

    /** Counts one node (a scalar of {@code length} characters, or a collection); false when there are too many. */
    private boolean count(Event e, long length) {
        values++;
        chars += length;
        if (values > SafeYaml.MAX_VALUES) {
            return fatal(e, "more than " + SafeYaml.MAX_VALUES + " values (keys, list items, scalars); a spec needs a few hundred");
        }
        return true;
    }

    private void rejectTag(Event e) {
        Optional<String> tag = e instanceof ScalarEvent s ? s.getTag()
                : e instanceof CollectionStartEvent c ? c.getTag() : Optional.empty();
        if (tag.isPresent() && !tag.get().equals("!")) {
            problems.add(new SpecProblem(SafeYaml.at(label, e.getStartMark()), "",
                    "YAML tags are not allowed (found '" + tag.get().replace("tag:yaml.org,2002:", "!!")
                            + "'); write a plain value"));
        }
    }

    private static String lineColumn(Optional<Mark> mark) {
        return mark.map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("an earlier line");
    }

    private boolean fatal(Event e, String message) {
        problems.add(new SpecProblem(SafeYaml.at(label, e.getStartMark()), "", message));
        return false;
    }
}
