package dev.attnlab.pipeline;

/** attnlab's version: the jar's Implementation-Version, or the development version when run from classes. */
public final class Version {

    private static final String DEV = "0.1.0-dev";

    private Version() { }

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? DEV : v;
    }
}
