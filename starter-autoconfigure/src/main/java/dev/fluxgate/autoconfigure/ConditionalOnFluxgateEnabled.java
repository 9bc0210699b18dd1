package dev.fluxgate.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Matches unless {@code fluxgate.enabled=false}: the single switch that gives an application Boot's own behaviour
 * back.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@ConditionalOnBooleanProperty(name = FluxgateEnablement.PROPERTY, matchIfMissing = true)
public @interface ConditionalOnFluxgateEnabled {

}
