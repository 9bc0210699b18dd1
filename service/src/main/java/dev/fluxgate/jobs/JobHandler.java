package dev.fluxgate.jobs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method that runs the jobs of a queue. The method takes one parameter, the payload converted with the
 * application's JSON mapper (or {@link Job Job&lt;T&gt;} for the id, attempt and enqueue time too). A method returning
 * a {@code Mono} (any {@code Publisher}) runs on the event loop and succeeds when it completes; any other method runs
 * on Fluxgate's bounded blocking executor and succeeds when it returns. Throwing or erroring fails the attempt. Public:
 * applications annotate their methods with it.
 *
 * <pre class="code">
 * &#64;JobHandler("welcome-mail")
 * void sendWelcome(Signup signup) { mail.send(signup.email()); }
 * </pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface JobHandler {

	/**
	 * The queue, letters, digits and {@code . _ : -} only; a {@code ${...}} placeholder is resolved from the
	 * environment.
	 * @return the queue name
	 */
	String value();

}
