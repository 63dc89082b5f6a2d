package dev.smtpd.core.engine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The timers of one session, all on its event loop: the idle timeout, the DATA deadline
 * and the forced close after a final reply. Each is one scheduled task at most; the idle
 * timer is re-armed for what is left of the timeout instead of being rescheduled on every
 * read. Idle means no progress: a command line that trickles in a byte at a time makes
 * none until it is complete (see {@link SmtpFrameDecoder#progressNanos()}). The timers
 * are the idle timer's task themselves, and ask the session through {@link Watched}: an
 * idle connection holds one scheduled task and this object, no lambdas.
 */
final class SessionTimers implements Runnable {

	/** What the idle timer asks of its session. */
	interface Watched {

		/**
		 * Returns when the client last made progress.
		 * @return a {@link System#nanoTime()} value
		 */
		long progressNanos();

		/**
		 * Returns whether the client waits for the server (a hook, a handshake, the
		 * disk), so the session is not idle.
		 * @return whether the server is the one being waited for
		 */
		boolean serverBusy();

		/** The session was idle for the timeout. */
		void idleTimedOut();

	}

	/**
	 * How long a final reply may take to be written before the connection is closed
	 * anyway.
	 */
	private static final long CLOSE_GRACE_SECONDS = 5;

	private final EventExecutor executor;

	private final long timeoutNanos;

	private final Watched session;

	private @Nullable ScheduledFuture<?> idle;

	private @Nullable ScheduledFuture<?> dataDeadline;

	private @Nullable ScheduledFuture<?> forcedClose;

	/** When a hook, a handshake or the greeting last finished. */
	private long activityNanos = System.nanoTime();

	/**
	 * Creates the timers of a session.
	 * @param executor the session's event loop
	 * @param timeout the idle timeout
	 * @param session the session the idle timer watches
	 */
	SessionTimers(EventExecutor executor, Duration timeout, Watched session) {
		this.executor = executor;
		this.timeoutNanos = timeout.toNanos();
		this.session = session;
	}

	/**
	 * Notes that the server finished something the client waited for (a hook, a
	 * handshake).
	 */
	void activity() {
		this.activityNanos = System.nanoTime();
	}

	/**
	 * Returns for how long neither side did anything.
	 * @return the idle time
	 */
	Duration idleTime() {
		return Duration.ofNanos(System.nanoTime() - lastActivityNanos());
	}

	private long lastActivityNanos() {
		return Math.max(this.activityNanos, this.session.progressNanos());
	}

	/**
	 * Starts the idle timeout. Idle means no bytes read and nothing finished for the
	 * timeout; while {@link Watched#serverBusy()} (a hook or a handshake under way) the
	 * client waits for us, so the timer waits too.
	 */
	void startIdle() {
		scheduleIdle(this.timeoutNanos);
	}

	private void scheduleIdle(long delayNanos) {
		this.idle = this.executor.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
	}

	/** The idle timer's task. */
	@Override
	public void run() {
		this.idle = null;
		long idle = System.nanoTime() - lastActivityNanos();
		if (idle < this.timeoutNanos) {
			scheduleIdle(this.timeoutNanos - idle);
		}
		else if (this.session.serverBusy()) {
			scheduleIdle(this.timeoutNanos);
		}
		else {
			this.session.idleTimedOut();
		}
	}

	/**
	 * Starts the DATA deadline, unless one runs already: a message in BDAT chunks keeps
	 * the one its first chunk started.
	 * @param deadline the longest the DATA phase (or the chunked message) may take
	 * @param onTimeout what to do when it passes
	 */
	void startDataDeadline(Duration deadline, Runnable onTimeout) {
		ScheduledFuture<?> running = this.dataDeadline;
		if (running == null || running.isDone()) {
			this.dataDeadline = this.executor.schedule(onTimeout, deadline.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	void cancelDataDeadline() {
		cancel(this.dataDeadline);
		this.dataDeadline = null;
	}

	/**
	 * Closes the connection after a grace period, for a final reply a client that does
	 * not read could keep from ever being written. Cancelled by {@link #cancelAll()} once
	 * the channel closes, so that a server closing thousands of connections a second
	 * keeps no timers (and channels) for seconds.
	 * @param close what closes the connection
	 */
	void forceCloseLater(Runnable close) {
		if (this.forcedClose == null) {
			this.forcedClose = this.executor.schedule(close, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
		}
	}

	/** Cancels every timer; the session is over. */
	void cancelAll() {
		cancel(this.idle);
		this.idle = null;
		cancelDataDeadline();
		cancel(this.forcedClose);
		this.forcedClose = null;
	}

	private static void cancel(@Nullable ScheduledFuture<?> timer) {
		if (timer != null) {
			timer.cancel(false);
		}
	}

}
