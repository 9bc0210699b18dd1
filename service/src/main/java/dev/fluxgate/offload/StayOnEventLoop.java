package dev.fluxgate.offload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps an imperative controller method (or every method of a controller) on the event loop instead of offloading it
 * to the blocking executor. Only for methods that are trivially fast and never block: one blocking call here stalls
 * every connection that shares the loop.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface StayOnEventLoop {

}
