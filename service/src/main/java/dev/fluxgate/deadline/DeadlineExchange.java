package dev.fluxgate.deadline;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

/**
 * The exchange a handler sees while its request's deadline runs: its response is the {@link DeadlineResponse}.
 * <p>
 * Conditional-request checks are the one path that would bypass it: the original exchange evaluates them against,
 * and writes to, its own (the real) response. A check that can write (validators for a GET or HEAD, a 304 or 412)
 * therefore starts the response first, and does nothing once the deadline has expired. A check without validators
 * on a GET or HEAD can write nothing and leaves the deadline running: functional endpoints make that check for every
 * GET, before their body (perhaps a database query) is ready.
 */
final class DeadlineExchange extends ServerWebExchangeDecorator {

	private final DeadlineResponse response;

	DeadlineExchange(ServerWebExchange delegate, DeadlineResponse response) {
		super(delegate);
		this.response = response;
	}

	@Override
	public ServerHttpResponse getResponse() {
		return this.response;
	}

	@Override
	public boolean checkNotModified(Instant lastModified) {
		return checkNotModified(null, lastModified);
	}

	@Override
	public boolean checkNotModified(String etag) {
		return checkNotModified(etag, Instant.MIN);
	}

	@Override
	public boolean checkNotModified(@Nullable String etag, Instant lastModified) {
		if (canWrite(etag, lastModified) && !this.response.claim()) {
			return false; // the deadline answers this request: nothing the handler does is sent
		}
		return getDelegate().checkNotModified(etag, lastModified);
	}

	private boolean canWrite(@Nullable String etag, Instant lastModified) {
		HttpMethod method = getRequest().getMethod();
		boolean safe = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
		return !safe || StringUtils.hasLength(etag) || !lastModified.isBefore(Instant.EPOCH);
	}

}
