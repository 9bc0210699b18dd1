package dev.fluxgate.sample;

import dev.fluxgate.eventloop.StrictBlockingDetection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * How an application proves it never blocks an event loop: {@link StrictBlockingDetection} makes any blocking call
 * on a non-blocking thread fail the request. The imperative {@code /legacy/blocking} sleeps, yet passes, because
 * Fluxgate runs it on the bounded blocking executor; {@code /debug/block-loop} sleeps on the event loop and fails.
 * Tagged {@code blockhound}: BlockHound installs once per JVM, so the build runs this class in a JVM of its own.
 */
@Tag("blockhound")
@ExtendWith(StrictBlockingDetection.class)
// The first H2 connections are opened while BlockHound's instrumentation and a cold JVM make startup slow (70 s on a
// 2-core machine at load 19, where Fluxgate's then 5 s max-create-connection-time failed schema.sql; it is 20 s now). This class is about
// event loops, not about how long a cold embedded database takes to open.
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.r2dbc.pool.max-create-connection-time=2m")
@AutoConfigureWebTestClient
class SampleBlockingDetectionTests {

	@Autowired
	private WebTestClient client;

	@Test
	void reactiveAndOffloadedEndpointsNeverBlockAnEventLoop() {
		this.client.get().uri("/hello").exchange().expectStatus().isOk();
		this.client.get().uri("/legacy/blocking?ms=20").exchange().expectStatus().isOk();
		this.client.get().uri("/cpu?ms=5").exchange().expectStatus().isOk();
		this.client.get().uri("/dependency?delayMs=10").exchange().expectStatus().isOk();
		this.client.get().uri("/api/quote?failures=1").header("X-Api-Key", "blockhound").exchange().expectStatus().isOk();
	}

	@Test
	void sleepingOnTheEventLoopIsCaught() {
		this.client.get().uri("/debug/block-loop?ms=10").exchange().expectStatus().is5xxServerError();
	}

}
