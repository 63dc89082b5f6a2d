package dev.smtpd.core.engine;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.smtpd.core.handler.Reply;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a session's user code on the hook executor and brings the reply back to its event
 * loop. While work runs the session decodes nothing (the framer stays paused until the
 * reply is written; it may take the client's next read meanwhile, see
 * {@link SmtpFrameDecoder#readWhileAnswering()}), so pipelined commands wait and replies
 * stay in order. Hooks that no handler overrides never get here.
 * <p>
 * A hook costs two thread switches (to the executor and back) and no more: the session's
 * timeout for hooks is one scheduled task, re-armed only when it fires, and the run is
 * itself the task the executor runs.
 * <p>
 * Work that has not returned within the hook timeout is answered as if it had failed
 * ({@link Reply#LOCAL_ERROR}, {@code 451 4.3.0}) and the session goes on; its thread is
 * interrupted, and whatever it returns later is dropped. Work still queued when its time
 * is up never runs. Until work that timed out has returned, the session's next hooks are
 * refused as if the executor were full, so no two hooks of one session run at once and
 * one session holds at most one thread.
 */
final class HookRunner {

	private static final Logger logger = LoggerFactory.getLogger(HookRunner.class);

	static final Reply BUSY = Reply.of(451, "4.3.2", "System busy, try again later");

	private final Executor executor;

	private final String sessionId;

	private final long timeoutNanos;

	private final long deliveryTimeoutNanos;

	/**
	 * Work that timed out is still running: until it returns, no other work of this
	 * session starts (its hooks would run at the same time as the one left behind).
	 */
	private boolean abandonedRunning;

	/** The work under way, as the event loop sees it; {@code null} between hooks. */
	private @Nullable Run current;

	/**
	 * Work that waits until no other work of this session runs (see
	 * {@link #runWhenIdle}): taken by whichever comes first, the event loop once nothing
	 * runs or the thread of the work under way once that returns.
	 */
	private final AtomicReference<@Nullable Runnable> afterwards = new AtomicReference<>();

	/** Times out {@link #current}; stays scheduled between hooks (see {@link #watch}). */
	private @Nullable ScheduledFuture<?> watchdog;

	/** When {@link #watchdog} fires, on {@link System#nanoTime()}'s scale. */
	private long watchdogNanos;

	/**
	 * Creates a runner for one session.
	 * @param executor the hook executor
	 * @param sessionId the session's id, for logs
	 * @param timeout how long a hook may run
	 * @param deliveryTimeout how long the delivery of a message (the DATA hook, LMTP's
	 * deliver hooks) may run: a delivery answered 451 but carried out later would be sent
	 * again by the client, so it gets at least as long as the client waits for its reply
	 */
	HookRunner(Executor executor, String sessionId, Duration timeout, Duration deliveryTimeout) {
		this.executor = executor;
		this.sessionId = sessionId;
		this.timeoutNanos = timeout.toNanos();
		this.deliveryTimeoutNanos = Math.max(this.timeoutNanos, deliveryTimeout.toNanos());
	}

	/**
	 * Returns whether user code of this session is running now.
	 * @return whether a hook runs
	 */
	boolean isRunning() {
		return this.current != null;
	}

	/**
	 * Runs work on the hook executor once no other work of this session runs: at once
	 * when none does, else on the thread of the work under way right after it returns (if
	 * it timed out, when it finally does). The session's disconnected hook goes this way,
	 * so that it never runs beside another hook of the session, and still runs when the
	 * session ends with the server, after the event loop is gone. Call on the event loop.
	 * @param work the work; nothing answers it, and what it throws is the executor's
	 */
	void runWhenIdle(Runnable work) {
		this.afterwards.set(work);
		idle();
	}

	private void idle() {
		// a plain read first: every hook ends here, and almost none has work waiting
		if (this.current == null && !this.abandonedRunning && this.afterwards.get() != null) {
			Runnable work = this.afterwards.getAndSet(null);
			if (work != null) {
				try {
					this.executor.execute(work);
				}
				catch (RejectedExecutionException ex) {
					logger.debug("Session {}: executor refused work after the session's hooks", this.sessionId);
				}
			}
		}
	}

	/** On the thread of work that just returned: what waited for it. */
	private void afterwards() {
		Runnable work = (this.afterwards.get() != null) ? this.afterwards.getAndSet(null) : null;
		if (work != null) {
			work.run();
		}
	}

	/**
	 * Runs work on the hook executor. Call on the event loop.
	 * @param ctx the session's channel context
	 * @param work the work; what it throws, or its not returning within the hook timeout,
	 * becomes {@link Reply#LOCAL_ERROR}
	 * @param open whether the session still wants the reply, checked on the event loop
	 * @param then what to do with the reply, on the event loop, while {@code open}; the
	 * channel is flushed afterwards
	 * @param finished what to do on the event loop once the work is over, before
	 * {@code then}
	 * @param dropped what to do on the event loop when the work's own clean-up cannot
	 * have run and will not: instead of {@code then} when the session no longer wants the
	 * reply of work that returned, and besides {@code then} when the work timed out in
	 * the queue (it never runs); never while the work still runs (after a timeout, the
	 * work's own {@code finally} is what releases what it reads)
	 * @param delivery whether the work delivers a message (it gets the delivery timeout)
	 * @return {@code false} if the executor refused the work, or work of this session
	 * that timed out still runs (nothing ran)
	 */
	boolean run(ChannelHandlerContext ctx, Callable<@Nullable Reply> work, BooleanSupplier open,
			Consumer<@Nullable Reply> then, Runnable finished, Runnable dropped, boolean delivery) {
		if (this.abandonedRunning) {
			logger.warn("Session {}: a hook that timed out still runs; refusing another", this.sessionId);
			return false;
		}
		long timeoutNanos = delivery ? this.deliveryTimeoutNanos : this.timeoutNanos;
		Run run = new Run(ctx, work, open, then, finished, dropped, timeoutNanos);
		this.current = run;
		try {
			this.executor.execute(run);
		}
		catch (RejectedExecutionException ex) {
			this.current = null;
			logger.warn("Session {}: hook executor is full", this.sessionId);
			return false;
		}
		watch(ctx, run.deadlineNanos);
		return true;
	}

	/**
	 * The session closed: its watchdog goes too, unless work is under way (its time may
	 * still run out: work still queued then never runs, running work is interrupted).
	 */
	void close() {
		ScheduledFuture<?> watchdog = this.watchdog;
		if (this.current == null && watchdog != null) {
			watchdog.cancel(false);
			this.watchdog = null;
		}
	}

	/**
	 * Makes sure the watchdog fires no later than a deadline. One scheduled task serves
	 * every hook of the session: a hook that returns in time leaves it scheduled, and
	 * when it fires early for the hook running then, it is re-armed for what is left, as
	 * the idle timer is ({@link SessionTimers}), instead of a timer scheduled and
	 * cancelled for every hook (docs/performance.md, scenario H).
	 */
	private void watch(ChannelHandlerContext ctx, long deadlineNanos) {
		ScheduledFuture<?> watchdog = this.watchdog;
		if (watchdog != null) {
			if (this.watchdogNanos <= deadlineNanos) {
				return;
			}
			watchdog.cancel(false);
		}
		this.watchdogNanos = deadlineNanos;
		this.watchdog = ctx.executor()
			.schedule(() -> watchdogFired(ctx), deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
	}

	private void watchdogFired(ChannelHandlerContext ctx) {
		this.watchdog = null;
		Run run = this.current;
		if (run == null) {
			return;
		}
		if (run.deadlineNanos - System.nanoTime() > 0) {
			watch(ctx, run.deadlineNanos);
			return;
		}
		Outcome outcome = run.timeOut();
		if (outcome == null) {
			return; // it returned: its reply is on the way to the event loop
		}
		if (outcome == Outcome.STILL_RUNNING) {
			this.abandonedRunning = true;
		}
		logger.warn("Session {}: hook still {} after {}, answered 451", this.sessionId,
				(outcome == Outcome.NEVER_RAN) ? "queued" : "running (interrupted)",
				Duration.ofNanos(run.timeoutNanos));
		run.complete(Reply.LOCAL_ERROR, outcome);
	}

	/** How work ended, as far as the event loop can tell. */
	private enum Outcome {

		/** It returned (or threw). */
		RETURNED,
		/** Its time was up before a thread took it: it never runs. */
		NEVER_RAN,
		/** Its time was up while it ran: it goes on, and its result is dropped. */
		STILL_RUNNING

	}

	/**
	 * One run of work: queued, running, finished or timed out, whichever comes first
	 * decides. The timeout interrupts the worker under the same lock the worker takes to
	 * finish, so no interrupt reaches the thread after its work is over. It is the task
	 * the executor runs.
	 */
	private final class Run implements Runnable {

		private static final int QUEUED = 0;

		private static final int RUNNING = 1;

		private static final int FINISHED = 2;

		private static final int TIMED_OUT = 3;

		private final ChannelHandlerContext ctx;

		private final Callable<@Nullable Reply> work;

		private final BooleanSupplier open;

		private final Consumer<@Nullable Reply> then;

		private final Runnable finished;

		private final Runnable dropped;

		private final long timeoutNanos;

		/** When its time is up, on {@link System#nanoTime()}'s scale. */
		final long deadlineNanos;

		private int state = QUEUED;

		private @Nullable Thread worker;

		Run(ChannelHandlerContext ctx, Callable<@Nullable Reply> work, BooleanSupplier open,
				Consumer<@Nullable Reply> then, Runnable finished, Runnable dropped, long timeoutNanos) {
			this.ctx = ctx;
			this.work = work;
			this.open = open;
			this.then = then;
			this.finished = finished;
			this.dropped = dropped;
			this.timeoutNanos = timeoutNanos;
			this.deadlineNanos = System.nanoTime() + timeoutNanos;
		}

		/**
		 * Runs the work on the executor's thread and hands its reply to the event loop.
		 */
		@Override
		public void run() {
			if (!start()) {
				return; // timed out in the queue
			}
			Reply reply;
			try {
				reply = this.work.call();
			}
			catch (Throwable ex) {
				if (isTimedOut()) {
					reply = null;
				}
				else {
					logger.warn("Session {}: hook failed", HookRunner.this.sessionId, ex);
					reply = Reply.LOCAL_ERROR;
				}
			}
			boolean finished = finish();
			afterwards();
			if (!finished) {
				logger.debug("Session {}: result of a hook that timed out dropped", HookRunner.this.sessionId);
				toEventLoop(() -> {
					HookRunner.this.abandonedRunning = false;
					idle();
				});
				return;
			}
			Reply result = reply;
			toEventLoop(() -> complete(result, Outcome.RETURNED));
		}

		/**
		 * Hands the end of the work to the event loop; when the loop is gone (the server
		 * stopped under the work), what waited for the work runs here instead, as nothing
		 * else can take it any more.
		 */
		private void toEventLoop(Runnable task) {
			try {
				this.ctx.executor().execute(task);
			}
			catch (RejectedExecutionException ex) {
				afterwards();
			}
		}

		/** The work is over, as far as the session goes: on the event loop. */
		void complete(@Nullable Reply reply, Outcome outcome) {
			HookRunner.this.current = null;
			this.finished.run();
			boolean wanted = this.open.getAsBoolean();
			if (wanted) {
				this.then.accept(reply);
				this.ctx.flush();
			}
			if (outcome == Outcome.NEVER_RAN || (!wanted && outcome == Outcome.RETURNED)) {
				this.dropped.run();
			}
			idle();
		}

		synchronized boolean start() {
			if (this.state != QUEUED) {
				return false;
			}
			this.state = RUNNING;
			this.worker = Thread.currentThread();
			return true;
		}

		synchronized boolean finish() {
			this.worker = null;
			if (this.state == RUNNING) {
				this.state = FINISHED;
				return true;
			}
			// timed out: the interrupt was for this work only
			Thread.interrupted();
			return false;
		}

		synchronized boolean isTimedOut() {
			return this.state == TIMED_OUT;
		}

		/**
		 * Times the work out unless it finished.
		 * @return {@code null} if it had finished (or timed out) already, else whether it
		 * was still queued or running
		 */
		synchronized @Nullable Outcome timeOut() {
			if (this.state == FINISHED || this.state == TIMED_OUT) {
				return null;
			}
			Outcome outcome = (this.state == QUEUED) ? Outcome.NEVER_RAN : Outcome.STILL_RUNNING;
			Thread worker = this.worker;
			this.state = TIMED_OUT;
			if (worker != null) {
				worker.interrupt();
			}
			return outcome;
		}

	}

}
