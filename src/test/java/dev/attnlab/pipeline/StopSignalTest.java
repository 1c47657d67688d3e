package dev.attnlab.pipeline;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopSignalTest {

    @Test
    void aRequestReachesTheRegisteredStageOnlyWhileItIsRegistered() {
        StopSignal signal = new StopSignal();
        AtomicInteger calls = new AtomicInteger();
        try (StopSignal.Registration r = signal.onStop(calls::incrementAndGet)) {
            assertEquals(0, calls.get());
            assertTrue(signal.request(), "a stage was there to stop");
            assertEquals(1, calls.get());
        }
        assertFalse(signal.request(), "after the stage unregistered nobody waits for it");
        assertEquals(1, calls.get());
    }

    @Test
    void aStageThatRegistersAfterTheRequestStopsAtOnce() {
        StopSignal signal = new StopSignal();
        assertFalse(signal.request());
        AtomicInteger calls = new AtomicInteger();
        try (StopSignal.Registration r = signal.onStop(calls::incrementAndGet)) {
            assertEquals(1, calls.get());
        }
    }
}
