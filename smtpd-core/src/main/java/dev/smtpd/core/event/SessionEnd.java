package dev.smtpd.core.event;

/**
 * How a session ended. A low-cardinality value, fit for a metric tag.
 */
public enum SessionEnd {

	/** The client sent QUIT. */
	QUIT,

	/** The client closed the connection without QUIT. */
	DISCONNECT,

	/**
	 * Idle too long, a command line or a DATA phase too long, a message slower than the
	 * minimum rate, or a TLS handshake that did not finish.
	 */
	TIMEOUT,

	/** Over a limit: unrecognized commands, command calls, failed AUTH attempts. */
	LIMIT,

	/** A protocol violation or an I/O error. */
	ERROR,

	/** The server shut down. */
	SHUTDOWN,

	/**
	 * An operator closed it, through
	 * {@link dev.smtpd.core.SmtpServer#closeSession(String)}.
	 */
	ADMIN,

	/**
	 * A handler refused it, from its {@code connect}, {@code proxy} or {@code starttls}
	 * hook.
	 */
	REFUSED,

	/**
	 * A handler dropped it without a reply, with a
	 * {@link dev.smtpd.core.handler.DropConnectionException}.
	 */
	DROPPED

}
