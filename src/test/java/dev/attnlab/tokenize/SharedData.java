package dev.attnlab.tokenize;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/data (system property attnlab.shared); tests that need it are skipped without it. */
public final class SharedData {

    private SharedData() { }

    public static Path dir() {
        String prop = System.getProperty("attnlab.shared");
        Path shared = prop != null ? Path.of(prop) : Path.of("..", "shared");
        Path data = shared.resolve("data");
        Assumptions.assumeTrue(Files.isDirectory(data), "../shared/data is absent: " + data.toAbsolutePath());
        return data;
    }

    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "absent: " + p);
        return p;
    }
}
