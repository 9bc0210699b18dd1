package dev.fluxgate.deadline;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The rest of the chain under a deadline, as one operator: puts the {@link Deadline} in the Reactor context, arms
 * one timer, and passes on whichever of the chain's outcome and the timer wins the {@link DeadlineResponse}. The
 * loser's signal is dropped: a chain that completes after the deadline took the response never completes here (the
 * 504 is the answer), and a timer that fires after the handler took the response does nothing. Cancelling cancels
 * both.
 * <p>
 * Replaces {@code contextWrite}, {@code then(defer)}, {@code onErrorResume} and {@code timeout(Mono.delay)}: the
 * same contract with one subscriber and one timer task per request.
 */
final class DeadlineMono extends Mono<Void> {

	private static final Logger logger = LoggerFactory.getLogger(DeadlineMono.class);

	private final Mono<Void> source;

	private final Deadline deadline;

	private final DeadlineResponse response;

	private final RequestTimers timers;

	private final ServerHttpRequest request;

	private final long timeoutNanos;

	private final Supplier<Throwable> expired;

	DeadlineMono(Mono<Void> source, Deadline deadline, DeadlineResponse response, RequestTimers timers,
			ServerHttpRequest request, long timeoutNanos, Supplier<Throwable> expired) {
		this.source = source;
		this.deadline = deadline;
		this.response = response;
		this.timers = timers;
		this.request = request;
		this.timeoutNanos = timeoutNanos;
		this.expired = expired;
	}

	@Override
	public void subscribe(CoreSubscriber<? super Void> actual) {
		DeadlineSubscriber subscriber = new DeadlineSubscriber(actual, this.deadline.putIn(actual.currentContext()),
				this.response, this.expired);
		actual.onSubscribe(subscriber);
		subscriber.arm(this.timers.schedule(this.request, subscriber, this.timeoutNanos));
		this.source.subscribe(subscriber);
	}

	static final class DeadlineSubscriber implements CoreSubscriber<Void>, Subscription, Runnable {

		private static final AtomicReferenceFieldUpdater<DeadlineSubscriber, Subscription> UPSTREAM = //
				AtomicReferenceFieldUpdater.newUpdater(DeadlineSubscriber.class, Subscription.class, "upstream");

		private static final AtomicReferenceFieldUpdater<DeadlineSubscriber, Disposable> TIMER = //
				AtomicReferenceFieldUpdater.newUpdater(DeadlineSubscriber.class, Disposable.class, "timer");

		/** Marks a timer that has fired, was cancelled, or is no longer needed. */
		private static final Disposable DONE = () -> {
		};

		private final CoreSubscriber<? super Void> actual;

		private final Context context;

		private final DeadlineResponse response;

		private final Supplier<Throwable> expired;

		private volatile @Nullable Subscription upstream;

		private volatile @Nullable Disposable timer;

		DeadlineSubscriber(CoreSubscriber<? super Void> actual, Context context, DeadlineResponse response,
				Supplier<Throwable> expired) {
			this.actual = actual;
			this.context = context;
			this.response = response;
			this.expired = expired;
		}

		void arm(Disposable timer) {
			if (!TIMER.compareAndSet(this, null, timer)) {
				timer.dispose(); // cancelled (or already over) while it was being armed
			}
		}

		private void disarm() {
			Disposable current = TIMER.getAndSet(this, DONE);
			if (current != null && current != DONE) {
				current.dispose();
			}
		}

		@Override
		public Context currentContext() {
			return this.context;
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.setOnce(UPSTREAM, this, s)) {
				s.request(Long.MAX_VALUE);
			}
		}

		@Override
		public void onNext(Void value) {
			// a Mono<Void> has no values
		}

		@Override
		public void onComplete() {
			if (this.response.claim()) {
				disarm();
				this.actual.onComplete();
			}
		}

		@Override
		public void onError(Throwable ex) {
			if (this.response.claim()) {
				disarm();
				this.actual.onError(ex);
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Dropping the error of a request whose deadline expired first: {}", ex.toString());
			}
		}

		/** The timer: answers 504 only when it wins the response, so the handler never had it. */
		@Override
		public void run() {
			TIMER.set(this, DONE);
			if (this.response.expire()) {
				Operators.terminate(UPSTREAM, this);
				this.actual.onError(this.expired.get());
			}
		}

		@Override
		public void request(long n) {
			// unbounded from the start: a Mono<Void> has no values to pace
		}

		@Override
		public void cancel() {
			disarm();
			Operators.terminate(UPSTREAM, this);
		}

	}

}
