package dev.attnlab.data;

/**
 * One ingested document: text (with an optional label kept as metadata) or, for the synthetic
 * source, token ids (with the length of its random prefix).
 */
public record Document(String text, String label, int[] ids, int prefix) {

    public static Document text(String text, String label) {
        return new Document(text, label, null, -1);
    }

    public static Document ids(int[] ids, int prefix) {
        return new Document(null, null, ids, prefix);
    }

    public boolean isText() {
        return text != null;
    }
}
