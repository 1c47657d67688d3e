package dev.attnlab.interpret;

/** How a token id is shown in plots and tables. */
@FunctionalInterface
public interface TokenText {

    String label(int id);

    /** Shows the id itself (tokenizer {@code none}, or when no decoder is available). */
    TokenText IDS = Integer::toString;
}
