package dev.smtpd.core.event;

/**
 * Why a connection was refused before its session began. Over a limit the client gets
 * {@code 421}; a connection refused for its PROXY header is closed without a word, since
 * what is on the other end has not shown it speaks SMTP.
 */
public enum ConnectionRefusal {

	/** Over {@code max-connections}. */
	MAX_CONNECTIONS,

	/** Over {@code max-connections-per-address}. */
	MAX_CONNECTIONS_PER_ADDRESS,

	/** Over the connection rate limit ({@code rate-limit.connections-per-minute}). */
	RATE_LIMIT,

	/**
	 * The PROXY protocol is on and the connection comes from outside its trusted proxies.
	 */
	PROXY_UNTRUSTED,

	/** The PROXY header is malformed, too long, or something else came first (SMTP). */
	PROXY_INVALID,

	/** The PROXY header did not arrive within {@code proxy-protocol.timeout}. */
	PROXY_TIMEOUT

}
