package dev.fluxgate.autoconfigure.jobs;

import java.lang.reflect.Type;

import dev.fluxgate.jobs.JobCodec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Payloads as JSON, with the application's {@link JsonMapper} (its modules and settings, like its HTTP bodies).
 */
final class JacksonJobCodec implements JobCodec {

	private final JsonMapper mapper;

	JacksonJobCodec(JsonMapper mapper) {
		this.mapper = mapper;
	}

	@Override
	public String encode(Object payload) {
		return this.mapper.writeValueAsString(payload);
	}

	@Override
	public Object decode(String text, Type type) {
		return this.mapper.readValue(text, this.mapper.constructType(type));
	}

}
