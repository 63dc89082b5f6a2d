package dev.smtpd.core.handler;

/**
 * Thrown by a hook to close the connection at once, without a reply, as a crashed server
 * or a broken network would: for tests of how a client copes. Thrown from the
 * {@link SmtpHandler#data DATA hook}, the client has sent the whole message and its final
 * dot and never learns whether it was accepted. The session ends as
 * {@link dev.smtpd.core.event.SessionEnd#DROPPED}; listeners see no reply for the
 * command. Carries no stack trace: it is flow control, not an error.
 */
public class DropConnectionException extends RuntimeException {

	private final long afterDataOctets;

	/**
	 * Creates the exception: the connection closes at once (from the
	 * {@link SmtpHandler#dataStart dataStart hook}: right after the {@code 354}).
	 */
	public DropConnectionException() {
		this(0);
	}

	/**
	 * Creates the exception for the {@link SmtpHandler#dataStart dataStart hook} that
	 * closes the connection in the middle of DATA: the {@code 354} is sent, and the
	 * connection closes once at least {@code afterDataOctets} octets of the message
	 * arrived; a shorter message is received as usual. Thrown from another hook, it
	 * closes at once.
	 * @param afterDataOctets the octets of the message to read before closing, {@code 0}
	 * to close right after the {@code 354}
	 */
	public DropConnectionException(long afterDataOctets) {
		super("Connection dropped by a handler", null, false, false);
		if (afterDataOctets < 0) {
			throw new IllegalArgumentException("afterDataOctets must not be negative");
		}
		this.afterDataOctets = afterDataOctets;
	}

	/**
	 * Returns the octets of the message to read before the connection closes, when thrown
	 * from the {@code dataStart} hook.
	 * @return the octets, {@code 0} for right after the {@code 354}
	 */
	public long afterDataOctets() {
		return this.afterDataOctets;
	}

}
