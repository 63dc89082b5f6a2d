package dev.smtpd.test;

/**
 * Where in a session a {@link Fault} applies.
 */
public enum FaultPoint {

	/** A client connects, before the greeting: a reply refuses the connection. */
	CONNECT,

	/** EHLO (or LHLO) and HELO. */
	EHLO,

	/** MAIL FROM; a fault may match the sender's address. */
	MAIL,

	/** RCPT TO; a fault may match the recipient's address. */
	RCPT,

	/**
	 * The DATA command, before {@code 354}: a reply refuses DATA, a dropped connection
	 * comes right after the {@code 354} or after some octets of the message
	 * ({@link Faults.Rule#dropConnectionAfter}), while the client sends it.
	 */
	DATA_START,

	/**
	 * The end of DATA: the whole message and its final dot arrived, the reply is due. A
	 * dropped connection here leaves the client without knowing whether the message was
	 * accepted.
	 */
	DATA,

	/** RSET. */
	RSET,

	/** NOOP. */
	NOOP,

	/** QUIT. */
	QUIT

}
