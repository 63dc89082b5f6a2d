package dev.smtpd.core.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.smtpd.core.handler.Reply;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a session's user code on the hook executor and brings the reply back to its event
 * loop. While work runs the session reads nothing (the framer stays paused until the
 * reply is written), so pipelined commands wait and replies stay in order. Hooks that no
 * handler overrides never get here.
 */
final class HookRunner {

	private static final Logger logger = LoggerFactory.getLogger(HookRunner.class);

	static final Reply BUSY = Reply.of(451, "4.3.2", "System busy, try again later");

	private final Executor executor;

	private final String sessionId;

	private boolean running;

	HookRunner(Executor executor, String sessionId) {
		this.executor = executor;
		this.sessionId = sessionId;
	}

	/**
	 * Returns whether user code of this session is running now.
	 * @return whether a hook runs
	 */
	boolean isRunning() {
		return this.running;
	}

	/**
	 * Runs work on the hook executor. Call on the event loop.
	 * @param ctx the session's channel context
	 * @param work the work; what it throws becomes {@link Reply#LOCAL_ERROR}
	 * @param open whether the session still wants the reply, checked on the event loop
	 * @param then what to do with the reply, on the event loop, while {@code open}; the
	 * channel is flushed afterwards
	 * @param finished what to do on the event loop once the work is over, before
	 * {@code then}
	 * @param dropped what to do on the event loop instead of {@code then} when the
	 * session no longer wants the reply
	 * @return {@code false} if the executor refused the work (nothing ran)
	 */
	boolean run(ChannelHandlerContext ctx, Callable<@Nullable Reply> work, BooleanSupplier open,
			Consumer<@Nullable Reply> then, Runnable finished, Runnable dropped) {
		this.running = true;
		try {
			this.executor.execute(() -> {
				Reply reply;
				try {
					reply = work.call();
				}
				catch (Throwable ex) {
					logger.warn("Session {}: hook failed", this.sessionId, ex);
					reply = Reply.LOCAL_ERROR;
				}
				Reply result = reply;
				ctx.executor().execute(() -> {
					this.running = false;
					finished.run();
					if (open.getAsBoolean()) {
						then.accept(result);
						ctx.flush();
					}
					else {
						dropped.run();
					}
				});
			});
			return true;
		}
		catch (RejectedExecutionException ex) {
			this.running = false;
			logger.warn("Session {}: hook executor is full", this.sessionId);
			return false;
		}
	}

}
