package dev.attnlab.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An enum of the values one spec key allows. {@link #value()} is how a spec writes it: the constant's
 * name in lower case unless the enum says otherwise ({@code bert-base-cased}, {@code wikitext-2}).
 */
public interface SpecChoice {

    default String value() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
    }

    /** The constant a (validated) spec value names. */
    static <E extends Enum<E> & SpecChoice> E of(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.value().equals(value)) return e;
        }
        throw new IllegalArgumentException("'" + value + "' is not one of " + values(type));
    }

    /** Every value, in declaration order: what the schema allows. */
    static <E extends Enum<E> & SpecChoice> String[] values(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(SpecChoice::value).toArray(String[]::new);
    }
}
