package dev.smtpd.core.handler;

/**
 * Thrown by a hook to answer the current command with a reply, usually a rejection.
 * Carries no stack trace: it is flow control, not an error.
 */
public class SmtpException extends RuntimeException {

	private final Reply reply;

	/**
	 * Creates the exception that answers with {@code reply}.
	 * @param reply the reply the client gets
	 */
	public SmtpException(Reply reply) {
		super(reply.toString(), null, false, false);
		this.reply = reply;
	}

	/**
	 * Returns the reply the client gets.
	 * @return the reply
	 */
	public Reply getReply() {
		return this.reply;
	}

}
