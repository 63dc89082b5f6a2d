package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All registered listeners as one; a listener that throws is logged and skipped.
 */
final class Listeners implements SmtpServerListener {

	private static final Logger logger = LoggerFactory.getLogger(Listeners.class);

	private final List<SmtpServerListener> listeners;

	Listeners(List<SmtpServerListener> listeners) {
		this.listeners = List.copyOf(listeners);
	}

	boolean isEmpty() {
		return this.listeners.isEmpty();
	}

	private void each(Consumer<SmtpServerListener> call) {
		for (SmtpServerListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("Listener {} failed", listener.getClass().getName(), ex);
			}
		}
	}

	@Override
	public void sessionStarted(Session session) {
		each((listener) -> listener.sessionStarted(session));
	}

	@Override
	public void sessionEnded(Session session, SessionEnd end, Duration duration) {
		each((listener) -> listener.sessionEnded(session, end, duration));
	}

	@Override
	public void commandCompleted(Session session, String verb, int replyCode) {
		each((listener) -> listener.commandCompleted(session, verb, replyCode));
	}

	@Override
	public void messageCompleted(Session session, Envelope envelope, long size, int replyCode) {
		each((listener) -> listener.messageCompleted(session, envelope, size, replyCode));
	}

	@Override
	public void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
		each((listener) -> listener.authCompleted(session, mechanism, outcome));
	}

	@Override
	public void tlsHandshakeCompleted(Session session, @Nullable String protocol, boolean success) {
		each((listener) -> listener.tlsHandshakeCompleted(session, protocol, success));
	}

	@Override
	public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
		each((listener) -> listener.connectionRefused(peer, reason));
	}

	@Override
	public void rateLimited(InetSocketAddress peer, RateLimiter.Limit limit) {
		each((listener) -> listener.rateLimited(peer, limit));
	}

}
