package dev.attnlab.data;

import dev.attnlab.spec.DataSpec;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The notebooks' optional text preprocessing ({@code data.preprocess}), applied in this order:
 * <ol>
 *   <li>{@code strip_br}: every HTML line break ({@code <br />}, {@code <br/>}, {@code <br>}, any case)
 *       becomes one space;</li>
 *   <li>{@code lowercase}: {@link String#toLowerCase(Locale)} with the root locale;</li>
 *   <li>{@code space_before_punct}: a space is inserted before each of {@code . , ! ? ; : ) "} that
 *       directly follows a non-space character.</li>
 * </ol>
 */
public final class Preprocessor {

    private static final Pattern BR = Pattern.compile("(?i)<br\\s*/?>");
    private static final Pattern PUNCT = Pattern.compile("(?<=\\S)([.,!?;:)\"])");

    private final DataSpec.Preprocess p;

    public Preprocessor(DataSpec.Preprocess p) {
        this.p = p == null ? new DataSpec.Preprocess(false, false, false) : p;
    }

    public boolean isIdentity() {
        return !p.lowercase() && !p.stripBr() && !p.spaceBeforePunct();
    }

    public String apply(String text) {
        if (p.stripBr()) text = BR.matcher(text).replaceAll(" ");
        if (p.lowercase()) text = text.toLowerCase(Locale.ROOT);
        if (p.spaceBeforePunct()) text = PUNCT.matcher(text).replaceAll(" $1");
        return text;
    }
}
