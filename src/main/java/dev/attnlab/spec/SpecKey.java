package dev.attnlab.spec;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a component of a stage's params record: the spec key it holds ({@code "train.batch_size"}),
 * so cache entries record and explain it under the name users write. Without it a component is
 * named by its own name in snake_case ({@code seed}, {@code interpret}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface SpecKey {
    String value();
}
