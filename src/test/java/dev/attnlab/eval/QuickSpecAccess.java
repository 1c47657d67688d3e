package dev.attnlab.eval;

import dev.attnlab.spec.ExperimentSpec;

/** Lets tests in other packages use {@link QuickSpec}. */
public final class QuickSpecAccess {

    private QuickSpecAccess() {
    }

    public static ExperimentSpec spec() {
        return QuickSpec.spec();
    }
}
