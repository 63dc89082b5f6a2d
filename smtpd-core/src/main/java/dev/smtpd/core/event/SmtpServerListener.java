package dev.smtpd.core.event;

import java.net.InetSocketAddress;
import java.time.Duration;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * Receives what happens in a server, for metrics, tracing or audit logs. Every method
 * runs on an event loop: it must be quick and must not block (update a counter, start or
 * stop a span). An exception thrown here is logged and otherwise ignored. Arguments carry
 * no secrets; a verb is one of the built-in or custom verbs, or {@code UNKNOWN}, never
 * raw client text.
 */
public interface SmtpServerListener {

	/**
	 * A session began (after the connection limits let it in, and after the PROXY header
	 * when the PROXY protocol is on).
	 * @param session the session
	 */
	default void sessionStarted(Session session) {
	}

	/**
	 * A session ended.
	 * @param session the session
	 * @param end how it ended
	 * @param duration how long it lasted
	 */
	default void sessionEnded(Session session, SessionEnd end, Duration duration) {
	}

	/**
	 * A command was answered.
	 * @param session the session
	 * @param verb the upper-case verb, or {@code UNKNOWN}
	 * @param replyCode the reply code
	 */
	default void commandCompleted(Session session, String verb, int replyCode) {
	}

	/**
	 * A mail transaction reached the end of DATA and was answered.
	 * @param session the session
	 * @param envelope the envelope
	 * @param size the message size in bytes, as received
	 * @param replyCode the reply code: 2xx accepted, else rejected
	 */
	default void messageCompleted(Session session, Envelope envelope, long size, int replyCode) {
	}

	/**
	 * An AUTH exchange ended.
	 * @param session the session
	 * @param mechanism the upper-case mechanism name
	 * @param outcome how it ended
	 */
	default void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
	}

	/**
	 * A TLS handshake ended.
	 * @param session the session
	 * @param protocol the negotiated protocol, or {@code null} when it failed
	 * @param success whether it succeeded
	 */
	default void tlsHandshakeCompleted(Session session, @Nullable String protocol, boolean success) {
	}

	/**
	 * A connection was refused before its session began: over a connection limit (with
	 * {@code 421}) or for its PROXY header (closed without a reply).
	 * @param peer the client's address (the one a PROXY header named, once it came), or
	 * the connection's
	 * @param reason why
	 */
	default void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
	}

	/**
	 * A client went over a rate limit and was answered with a temporary error. At
	 * connect, {@link #connectionRefused} follows.
	 * @param peer the client's address
	 * @param limit the limit it went over
	 */
	default void rateLimited(InetSocketAddress peer, RateLimiter.Limit limit) {
	}

}
