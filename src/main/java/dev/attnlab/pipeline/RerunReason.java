package dev.attnlab.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * Why a stage ran instead of coming from the cache, in words a user can act on: what changed in its
 * key ({@link StageKey#changesFrom}) since the newest earlier run of the same spec.
 */
final class RerunReason {

    private RerunReason() { }

    static String of(StageKey now, boolean forced, Optional<String> earlierKey, StageCache cache) {
        if (forced) {
            return "forced";
        }
        if (earlierKey.isEmpty()) {
            return "no earlier run of this spec to compare with";
        }
        if (earlierKey.get().equals(now.key())) {
            return "same key as the last run, but its cache entry is gone or not trusted";
        }
        Optional<StageKey> earlier = cache.material(now.stage(), earlierKey.get());
        if (earlier.isEmpty()) {
            return "key changed since the last run (its entry " + earlierKey.get().substring(0, 12)
                    + " is no longer cached, so what changed is not known)";
        }
        List<String> changes = now.changesFrom(earlier.get());
        return changes.isEmpty() ? "key changed since the last run" : String.join(", ", changes);
    }
}
