package dev.fluxgate.jobs;

import java.lang.reflect.Type;

/**
 * Converts payloads to and from the text stored in Redis. The auto-configuration implements it with the
 * application's JSON mapper; declare a bean of this type to store payloads another way. Public: it is that extension
 * point.
 */
public interface JobCodec {

	/**
	 * The text to store for a payload.
	 * @param payload the payload
	 * @return its text
	 */
	String encode(Object payload);

	/**
	 * A payload read back.
	 * @param text the stored text
	 * @param type the handler's parameter type
	 * @return the payload
	 */
	Object decode(String text, Type type);

}
