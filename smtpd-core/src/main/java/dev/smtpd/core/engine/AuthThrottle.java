package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed AUTH attempts per client address, so brute force gets slower with every
 * failure and then is cut off. A failure is forgotten an hour after the last one; a
 * success from the address clears its count.
 * <p>
 * At most {@code maxTracked} addresses are counted, so failures from ever new addresses
 * (an IPv6 prefix) cannot grow it without end. When it is full it forgets, in this order,
 * what is stale, then the addresses not cut off yet, then everything, until it is down to
 * three quarters: each sweep makes room for a quarter more, so a failure costs a sweep's
 * share, not a walk of every address.
 */
final class AuthThrottle {

	private static final long FORGET_AFTER_NANOS = Duration.ofHours(1).toNanos();

	private static final long MAX_DELAY_NANOS = Duration.ofSeconds(10).toNanos();

	private static final int MAX_TRACKED = 100_000;

	private final int maxTracked;

	private final int maxFailures;

	private final long firstDelayNanos;

	private final ConcurrentHashMap<InetAddress, Failures> failures = new ConcurrentHashMap<>();

	AuthThrottle(int maxFailures, Duration firstDelay) {
		this(maxFailures, firstDelay, MAX_TRACKED);
	}

	AuthThrottle(int maxFailures, Duration firstDelay, int maxTracked) {
		this.maxFailures = maxFailures;
		this.firstDelayNanos = firstDelay.toNanos();
		this.maxTracked = maxTracked;
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
		if (this.failures.size() >= this.maxTracked) {
			makeRoom();
		}
		Failures updated = this.failures.compute(address, (key, previous) -> {
			int count = (previous != null && !previous.isStale()) ? previous.count() : 0;
			return new Failures(count + 1, System.nanoTime());
		});
		int doublings = Math.min(updated.count() - 1, 20);
		return Math.min(this.firstDelayNanos << doublings, Math.max(MAX_DELAY_NANOS, this.firstDelayNanos));
	}

	private void makeRoom() {
		long now = System.nanoTime();
		int room = this.maxTracked - this.maxTracked / 4;
		this.failures.values().removeIf((entry) -> now - entry.lastNanos() > FORGET_AFTER_NANOS);
		if (this.failures.size() >= room) {
			// an address cut off keeps its count while there is room for it
			this.failures.values().removeIf((entry) -> this.maxFailures == 0 || entry.count() < this.maxFailures);
		}
		if (this.failures.size() >= room) {
			this.failures.clear();
		}
	}

	/**
	 * Returns how many addresses are counted now.
	 * @return the count
	 */
	int tracked() {
		return this.failures.size();
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
