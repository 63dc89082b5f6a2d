package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed AUTH attempts per client address, so brute force gets slower with every
 * failure and then is cut off. A failure is forgotten an hour after the last one; a
 * success from the address clears its count.
 */
final class AuthThrottle {

	private static final long FORGET_AFTER_NANOS = Duration.ofHours(1).toNanos();

	private static final long MAX_DELAY_NANOS = Duration.ofSeconds(10).toNanos();

	private static final int MAX_TRACKED = 100_000;

	private final int maxFailures;

	private final long firstDelayNanos;

	private final ConcurrentHashMap<InetAddress, Failures> failures = new ConcurrentHashMap<>();

	AuthThrottle(int maxFailures, Duration firstDelay) {
		this.maxFailures = maxFailures;
		this.firstDelayNanos = firstDelay.toNanos();
	}

	/**
	 * Returns whether the address has used up its failed attempts.
	 * @param address the client address
	 * @return whether to refuse AUTH
	 */
	boolean isBlocked(InetAddress address) {
		Failures current = current(address);
		return this.maxFailures > 0 && current != null && current.count() >= this.maxFailures;
	}

	/**
	 * Records a failure and returns how long to wait before answering it.
	 * @param address the client address
	 * @return the delay in nanoseconds
	 */
	long failed(InetAddress address) {
		if (this.failures.size() >= MAX_TRACKED) {
			long now = System.nanoTime();
			this.failures.values().removeIf((entry) -> now - entry.lastNanos() > FORGET_AFTER_NANOS);
		}
		Failures updated = this.failures.compute(address, (key, previous) -> {
			int count = (previous != null && !previous.isStale()) ? previous.count() : 0;
			return new Failures(count + 1, System.nanoTime());
		});
		int doublings = Math.min(updated.count() - 1, 20);
		return Math.min(this.firstDelayNanos << doublings, Math.max(MAX_DELAY_NANOS, this.firstDelayNanos));
	}

	void succeeded(InetAddress address) {
		this.failures.remove(address);
	}

	private Failures current(InetAddress address) {
		Failures current = this.failures.get(address);
		return (current != null && !current.isStale()) ? current : null;
	}

	private record Failures(int count, long lastNanos) {

		boolean isStale() {
			return System.nanoTime() - this.lastNanos > FORGET_AFTER_NANOS;
		}

	}

}
