package dev.attnlab.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The persisted state of one sweep ({@code runs/sweeps/NAME/state.json}): the JSON document
 * itself, read and written whole under the store's lock. Fields are public because this is a
 * plain data file, mutated only inside {@link SweepStore} transactions.
 */
public final class SweepState {

    public int version = 1;
    public String sweep;
    /** Random id made at creation; the MLflow parent run carries it as tag {@code attnlab.sweep_id}. */
    public String sweepId;
    /** Hash of what defines the trials (base experiment, method, metric, parameters, seed). */
    public String spaceHash;
    public String parentRunId;
    public String createdAt;
    public List<Trial> trials = new ArrayList<>();
    /** Rung index → trial name → the metric value the trial had there (raw, not goal-adjusted). */
    public Map<Integer, Map<String, Double>> rungs = new TreeMap<>();

    public static final class Trial {
        public int index;
        public String name;
        public Map<String, Object> params = new LinkedHashMap<>();
        public TrialStatus status = TrialStatus.PENDING;
        /** The last value of the sweep's metric (final for finished trials). */
        public Double metric;
        /** How many times the metric was reported (evaluations). */
        public int iterations;
        public int attempts;
        /** {@code pid@host} of the sweep process running it. */
        public String owner;
        /** The trial's own process, to end an orphan after the sweep process died. */
        public Long pid;
        /** When that process started: a pid alone may since belong to another process. */
        public String pidStart;
        public String startedAt;
        public String endedAt;
        /** Why it crashed or was killed. */
        public String message;

        public Trial() {
        }

        Trial(int index, Map<String, Object> params) {
            this.index = index;
            this.name = String.format("trial-%04d", index);
            this.params = new LinkedHashMap<>(params);
        }
    }

    Trial trial(String name) {
        return trials.stream().filter(t -> t.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no trial " + name));
    }
}
