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

	/**
	 * Creates the exception.
	 */
	public DropConnectionException() {
		super("Connection dropped by a handler", null, false, false);
	}

}
