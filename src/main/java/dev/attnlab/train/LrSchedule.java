package dev.attnlab.train;

import dev.attnlab.spec.TrainSpec;

/** The learning rate at each step: {@code constant}, or linear warmup then cosine decay to min_lr_ratio · lr. */
public record LrSchedule(TrainSpec.Schedule kind, double lr, int warmupSteps, double minLrRatio, long totalSteps) {

    /** The rate for step {@code step} (0-based). */
    public double at(long step) {
        if (kind == TrainSpec.Schedule.CONSTANT) return lr;
        if (step < warmupSteps) return lr * (step + 1) / warmupSteps;
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
