package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.RateLimiter.Event;
import dev.smtpd.core.handler.RateLimiter.Limit;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the engine asks the {@link RateLimiter}: when a connection is let in
 * (from {@link ConnectionLimiter}, with the same client address as the connection limits)
 * and before MAIL, RCPT and AUTH. A client over a limit gets Postfix's replies, but
 * {@code 452 4.5.3} for RCPT (RFC 5321 §4.5.3.1.10: the client sends to the recipients it
 * has and retries the others later). A limiter that throws lets the client through.
 */
final class RateGate {

	private static final Logger logger = LoggerFactory.getLogger(RateGate.class);

	private static final Reply TOO_MUCH_MAIL = Reply.of(450, "4.7.1", "Error: too much mail, try again later");

	private static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, "4.5.3",
			"Error: too many recipients, try again later");

	private static final Reply TOO_MANY_AUTH = Reply.of(450, "4.7.1", "Error: too many AUTH commands, try again later");

	private final @Nullable RateLimiter limiter;

	private final Listeners listeners;

	RateGate(@Nullable RateLimiter limiter, Listeners listeners) {
		this.limiter = limiter;
		this.listeners = listeners;
	}

	/**
	 * Counts a connection and returns whether it is over the limit. A connection on the
	 * Unix domain socket has no address and is not counted.
	 * @param peer the client's address
	 * @return whether to refuse it
	 */
	boolean refusesConnection(@Nullable SocketAddress peer) {
		if (this.limiter == null || !(peer instanceof InetSocketAddress inet)) {
			return false;
		}
		return acquire(Event.CONNECT, inet, inet.getAddress(), null);
	}

	/**
	 * Counts a MAIL, RCPT or AUTH and, over a limit, answers it.
	 * @param session the session
	 * @param event the command
	 * @return whether the command was answered
	 */
	boolean refused(CommandContext session, Event event) {
		if (this.limiter == null) {
			return false;
		}
		SessionState state = session.session();
		// on the Unix socket only a PROXY header names an address to count
		boolean named = state.unixSocketPath() == null || (state.proxy() != null && state.proxy().source() != null);
		InetAddress address = named ? state.peerAddress().getAddress() : null;
		if (!acquire(event, state.peerAddress(), address, state.login())) {
			return false;
		}
		session.reply(switch (event) {
			case RCPT -> TOO_MANY_RECIPIENTS;
			case AUTH -> TOO_MANY_AUTH;
			default -> TOO_MUCH_MAIL;
		});
		return true;
	}

	private boolean acquire(Event event, InetSocketAddress peer, @Nullable InetAddress address,
			@Nullable String login) {
		Limit limit;
		try {
			limit = this.limiter.acquire(event, address, login);
		}
		catch (RuntimeException ex) {
			logger.warn("Rate limiter {} failed; letting the client through", this.limiter.getClass().getName(), ex);
			return false;
		}
		if (limit == null) {
			return false;
		}
		logger.debug("{} over the rate limit {}", peer, limit.tag());
		this.listeners.rateLimited(peer, limit);
		return true;
	}

}
