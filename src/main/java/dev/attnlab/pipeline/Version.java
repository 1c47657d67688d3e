package dev.attnlab.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** attnlab's version, from the pom.properties Maven packs into the jar; "-dev" when run from classes. */
public final class Version {

    private static final String POM_PROPERTIES = "/META-INF/maven/dev.attnlab/attnlab/pom.properties";
    private static final String VERSION = read();

    private Version() { }

    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException ignored) {
            // fall through to the development version
        }
        return "0.1.0-dev";
    }
}
