package dev.attnlab.pipeline;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The stage implementations available to the runner, by name. The CLI uses
 * {@link #fromServiceLoader()}; tests inject their own stages with {@link #of}.
 */
public final class StageRegistry {

    public static final String SERVICE_FILE = "META-INF/services/" + Stage.class.getName();

    private final Map<String, Stage<?>> stages;

    private StageRegistry(Map<String, Stage<?>> stages) {
        this.stages = stages;
    }

    public static StageRegistry of(Stage<?>... stages) {
        return of(List.of(stages));
    }

    public static StageRegistry of(Collection<? extends Stage<?>> stages) {
        Map<String, Stage<?>> byName = new TreeMap<>();
        for (Stage<?> s : stages) {
            Stage<?> previous = byName.put(s.name(), s);
            if (previous != null) {
                throw new IllegalStateException("two stages are registered as '" + s.name() + "': "
                        + previous.getClass().getName() + " and " + s.getClass().getName());
            }
        }
        return new StageRegistry(byName);
    }

    /** Every stage listed in {@value #SERVICE_FILE} on the class path. */
    public static StageRegistry fromServiceLoader() {
        try {
            List<Stage<?>> found = new java.util.ArrayList<>();
            ServiceLoader.load(Stage.class).forEach(found::add);
            return of(found);
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a stage listed in " + SERVICE_FILE + " cannot be loaded: "
                    + e.getMessage(), e);
        }
    }

    public Optional<Stage<?>> get(String name) {
        return Optional.ofNullable(stages.get(name));
    }

    public Collection<String> names() {
        return stages.keySet();
    }
}
