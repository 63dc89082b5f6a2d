package dev.smtpd.core.engine;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.smtpd.core.handler.DropConnectionException;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpException;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered handlers of a server, with, for each hook, only the handlers that override
 * it. A hook nobody overrides is {@linkplain #isEmpty(Hook) empty}: the engine then
 * answers on the event loop without a thread hop.
 */
final class HandlerChain {

	private static final Logger logger = LoggerFactory.getLogger(HandlerChain.class);

	/**
	 * What {@link #call} returns when a handler threw {@link DropConnectionException}:
	 * never written, the session closes instead (compared by identity).
	 */
	static final Reply DROP = Reply.of(421, "4.4.2", "Connection dropped");

	private final Map<Hook, List<SmtpHandler>> byHook = new EnumMap<>(Hook.class);

	private final List<SmtpHandler> handlers;

	HandlerChain(List<SmtpHandler> handlers) {
		this.handlers = List.copyOf(handlers);
		for (Hook hook : Hook.values()) {
			List<SmtpHandler> taking = new ArrayList<>();
			for (SmtpHandler handler : handlers) {
				if (hook.isOverriddenBy(handler)) {
					taking.add(handler);
				}
			}
			this.byHook.put(hook, List.copyOf(taking));
		}
	}

	boolean isEmpty(Hook hook) {
		return this.byHook.get(hook).isEmpty();
	}

	/**
	 * Calls a hook on each handler that overrides it, in order, until one returns a
	 * reply. Never throws: an {@link SmtpException} becomes its reply, a
	 * {@link DropConnectionException} becomes {@link #DROP}, anything else goes to the
	 * handlers' exception hooks and, failing them, becomes {@link Reply#LOCAL_ERROR}.
	 * @param hook the hook
	 * @param session the session
	 * @param call how to call the hook on one handler
	 * @return the deciding reply, or {@code null} for the default behaviour
	 */
	@Nullable Reply call(Hook hook, Session session, HookCall call) {
		for (SmtpHandler handler : this.byHook.get(hook)) {
			Reply reply;
			try {
				reply = call.call(handler);
			}
			catch (SmtpException ex) {
				return ex.getReply();
			}
			catch (DropConnectionException ex) {
				if (session instanceof SessionState state) {
					state.dropAfterDataOctets(ex.afterDataOctets());
				}
				return DROP;
			}
			catch (Exception | LinkageError | AssertionError ex) {
				return onException(hook, session, handler, ex);
			}
			if (reply != null) {
				return reply;
			}
		}
		return null;
	}

	private Reply onException(Hook hook, Session session, SmtpHandler failed, Throwable error) {
		logger.warn("Session {}: {} hook of {} failed", session.id(), hook, failed.getClass().getName(), error);
		for (SmtpHandler handler : this.handlers) {
			try {
				Reply reply = handler.exception(session, error);
				if (reply != null) {
					return reply;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Session {}: exception hook of {} failed", session.id(), handler.getClass().getName(), ex);
			}
		}
		return Reply.LOCAL_ERROR;
	}

	/** One hook call on one handler. */
	@FunctionalInterface
	interface HookCall {

		@Nullable Reply call(SmtpHandler handler) throws Exception;

	}

}
