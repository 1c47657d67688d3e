package dev.attnlab.tracking.mlflow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlflowLimitsTest {

    @Test
    void validKeysPassUnchanged() {
        assertEquals("heads/L0H3/induction", MlflowLimits.key("heads/L0H3/induction"));
        assertEquals("model.d_model", MlflowLimits.key("model.d_model"));
        assertEquals("system/stage/train_seconds_total", MlflowLimits.key("system/stage/train_seconds_total"));
    }

    @Test
    void invalidCharactersAndEmptySegmentsAreRepaired() {
        assertEquals("eval/acc_top_5_", MlflowLimits.key("eval/acc[top 5]".replace(' ', '#')));
        assertEquals("a/b", MlflowLimits.key("/a//b/"));
        assertEquals("a/b", MlflowLimits.key("a/../b"));
        assertEquals("_", MlflowLimits.key(""));
    }

    @Test
    void longKeysAreCutTo250AndStayDistinct() {
        String a = "k".repeat(300) + "a";
        String b = "k".repeat(300) + "b";
        assertEquals(250, MlflowLimits.key(a).length());
        assertNotEquals(MlflowLimits.key(a), MlflowLimits.key(b));
    }

    @Test
    void longValuesAreTruncatedWithAMarker() {
        String v = MlflowLimits.paramValue("y".repeat(6001));
        assertEquals(6000, v.length());
        assertTrue(v.endsWith("...[truncated 6001 chars]"));
        assertEquals("short", MlflowLimits.paramValue("short"));
        assertEquals("z".repeat(6000), MlflowLimits.paramValue("z".repeat(6000)));
        assertEquals(5000, MlflowLimits.tagValue("t".repeat(9000)).length());
    }
}
