package dev.attnlab.data;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** Commons CSV records whose parse errors become a {@link DataException} naming the file and record. */
final class Csv {

    private Csv() { }

    /**
     * Iterates the records; a parse failure surfaces as {@link BadCsv} (distinct from errors a
     * document sink throws), which the reading source turns back into its DataException.
     */
    static Iterable<CSVRecord> records(CSVParser parser, Path file) {
        Iterator<CSVRecord> it = parser.iterator();
        return () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return it.hasNext();
                } catch (UncheckedIOException e) {
                    throw new BadCsv(new DataException(file + " after record " + parser.getRecordNumber()
                            + ": not valid CSV (" + e.getCause().getMessage() + ")", e));
                }
            }

            @Override
            public CSVRecord next() {
                if (!hasNext()) throw new NoSuchElementException();
                return it.next();
            }
        };
    }

    /** Carries a DataException out of a for-each loop. */
    static final class BadCsv extends RuntimeException {
        BadCsv(DataException cause) {
            super(cause.getMessage(), cause);
        }

        DataException data() {
            return (DataException) getCause();
        }

        /** The reader could not decode the file's bytes (not a CSV syntax error). */
        boolean undecodable() {
            return getCause().getCause() instanceof UncheckedIOException u
                    && u.getCause() instanceof java.nio.charset.CharacterCodingException;
        }
    }
}
