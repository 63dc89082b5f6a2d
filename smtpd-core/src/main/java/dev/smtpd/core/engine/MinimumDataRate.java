package dev.smtpd.core.engine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The minimum rate of a DATA phase or a BDAT transaction, in the manner of Postfix's
 * {@code smtpd_min_data_rate}: the client starts with a grace period, and each octet it
 * sends buys {@code 1/rate} seconds more. So a slow start or a pause is fine while the
 * average holds, and a client that trickles is cut off however long the DATA deadline is.
 * Time the client waits for the server (a reply being made, a hook, the disk holding
 * reading back) is added to its allowance. One timer at most, on the session's event
 * loop, set for when the allowance runs out if no octet came.
 */
final class MinimumDataRate {

	private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

	/** About a century: no overflow, and beyond any deadline. */
	private static final long MAX_SECONDS = TimeUnit.DAYS.toSeconds(36_500);

	private final EventExecutor executor;

	private final long octetsPerSecond;

	private final long graceNanos;

	private final LongSupplier bytesRead;

	private final LongSupplier serverWaitNanos;

	private @Nullable ScheduledFuture<?> check;

	private boolean active;

	private long startNanos;

	private long startBytes;

	private long startWait;

	/**
	 * Creates the rate of a session.
	 * @param executor the session's event loop
	 * @param octetsPerSecond the rate, {@code 0} for none
	 * @param grace the allowance before the first octet
	 * @param bytesRead how many octets the client sent so far
	 * @param serverWaitNanos for how long the client waited for the server so far
	 */
	MinimumDataRate(EventExecutor executor, long octetsPerSecond, Duration grace, LongSupplier bytesRead,
			LongSupplier serverWaitNanos) {
		this.executor = executor;
		this.octetsPerSecond = octetsPerSecond;
		this.graceNanos = grace.toNanos();
		this.bytesRead = bytesRead;
		this.serverWaitNanos = serverWaitNanos;
	}

	/**
	 * Starts measuring, unless already measuring or there is no minimum.
	 * @param tooSlow what to do when the client falls below the rate
	 */
	void start(Runnable tooSlow) {
		if (this.active || this.octetsPerSecond == 0) {
			return;
		}
		this.active = true;
		this.startNanos = System.nanoTime();
		this.startBytes = this.bytesRead.getAsLong();
		this.startWait = this.serverWaitNanos.getAsLong();
		schedule(tooSlow);
	}

	/** Stops measuring: the message is complete, or the transaction over. */
	void stop() {
		this.active = false;
		ScheduledFuture<?> check = this.check;
		this.check = null;
		if (check != null) {
			check.cancel(false);
		}
	}

	private void schedule(Runnable tooSlow) {
		long delay = deadlineNanos() - System.nanoTime();
		if (delay <= 0) {
			this.active = false;
			tooSlow.run();
			return;
		}
		this.check = this.executor.schedule(() -> {
			this.check = null;
			if (this.active) {
				schedule(tooSlow);
			}
		}, delay, TimeUnit.NANOSECONDS);
	}

	/**
	 * Returns when the allowance runs out unless more octets come: the start, the grace,
	 * {@code 1/rate} seconds per octet, and the time the server was waited for.
	 */
	private long deadlineNanos() {
		long octets = this.bytesRead.getAsLong() - this.startBytes;
		long seconds = Math.min(octets / this.octetsPerSecond, MAX_SECONDS);
		long earned = seconds * NANOS_PER_SECOND
				+ (octets % this.octetsPerSecond) * NANOS_PER_SECOND / this.octetsPerSecond;
		long waited = this.serverWaitNanos.getAsLong() - this.startWait;
		return this.startNanos + this.graceNanos + earned + waited;
	}

}
