package dev.attnlab.spec;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a spec record component that changes how a stage computes, never what it computes (resuming
 * from a checkpoint, thread counts): it is left out of cache keys. Keeping {@code train.resume} out
 * is what lets a killed run resume under the same key.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface NotInKey {
}
