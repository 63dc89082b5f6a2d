package dev.smtpd.core.handler;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Limits how fast one client may connect, send mail, name recipients and try AUTH, as
 * Postfix's {@code anvil} does. The server asks before it lets a connection in (before
 * the greeting), and before it runs the MAIL, RCPT and AUTH hooks; a client over a limit
 * is answered with a temporary error ({@code 421 4.7.0} and a close at connect,
 * {@code 450 4.7.1} for MAIL and AUTH, {@code 452 4.5.3} for RCPT) and may retry later.
 * <p>
 * The built-in limiter keeps token buckets in memory ({@code smtpd.rate-limit.*}); an
 * implementation of this interface replaces it, for example to share the counts of
 * several servers. It is called on the event loops, concurrently, so it must answer
 * quickly and without blocking. An exception it throws is logged and the client let
 * through.
 */
@FunctionalInterface
public interface RateLimiter {

	/**
	 * Counts one event of a client and returns the limit it goes over.
	 * @param event what the client did
	 * @param address the client's address, {@code null} for a client on the Unix domain
	 * socket
	 * @param login the login the session authenticated as, or {@code null}
	 * @return the limit exceeded, or {@code null} to let the client go on
	 */
	@Nullable Limit acquire(Event event, @Nullable InetAddress address, @Nullable String login);

	/**
	 * Returns what the limiter tracks now, for a management endpoint.
	 * @return the status; by default empty
	 */
	default Status status() {
		return new Status(Map.of(), 0, List.of());
	}

	/**
	 * What a client did that a limit may count.
	 */
	enum Event {

		/** A connection, before the greeting. */
		CONNECT,

		/** A MAIL command, before its hook. */
		MAIL,

		/** A RCPT command, before its hook. */
		RCPT,

		/** An AUTH command, before the exchange starts. */
		AUTH

	}

	/**
	 * A rate limit, counted per client address or per authenticated login.
	 */
	enum Limit {

		/** Connections per client address. */
		CONNECTIONS(Event.CONNECT),

		/** MAIL commands per client address. */
		MESSAGES(Event.MAIL),

		/** RCPT commands per client address. */
		RECIPIENTS(Event.RCPT),

		/** AUTH commands per client address. */
		AUTH_ATTEMPTS(Event.AUTH),

		/** MAIL commands per authenticated login. */
		LOGIN_MESSAGES(Event.MAIL),

		/** RCPT commands per authenticated login. */
		LOGIN_RECIPIENTS(Event.RCPT);

		private final Event event;

		Limit(Event event) {
			this.event = event;
		}

		/**
		 * Returns the event this limit counts.
		 * @return the event
		 */
		public Event event() {
			return this.event;
		}

		/**
		 * Returns whether this limit counts per login rather than per address.
		 * @return whether it is per login
		 */
		public boolean perLogin() {
			return this == LOGIN_MESSAGES || this == LOGIN_RECIPIENTS;
		}

		/**
		 * Returns the limit's name in lower case, as a metric tag value, such as
		 * {@code login_messages} (as the other tags of enum values).
		 * @return the name
		 */
		public String tag() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * What a limiter tracks now.
	 *
	 * @param perMinute the limits in force, events per minute
	 * @param tracked how many counters (one per client and limit) are kept
	 * @param limited the clients over a limit now, at most a few recent ones
	 */
	record Status(Map<Limit, Integer> perMinute, int tracked, List<Limited> limited) {

		public Status {
			perMinute = Map.copyOf(perMinute);
			limited = List.copyOf(limited);
		}

	}

	/**
	 * A client over a limit.
	 *
	 * @param limit the limit
	 * @param client the client's address or login
	 * @param retryAfter how long until it may go on
	 */
	record Limited(Limit limit, String client, Duration retryAfter) {

	}

}
