package dev.smtpd.autoconfigure.observation;

import dev.smtpd.core.handler.Session;
import io.micrometer.observation.Observation;

/**
 * What an observation of one mail transaction (MAIL to the end of DATA) sees.
 */
public class SmtpTransactionContext extends Observation.Context {

	private final Session session;

	private int recipients;

	private long size = -1;

	private int replyCode;

	private boolean ended;

	SmtpTransactionContext(Session session) {
		this.session = session;
	}

	/**
	 * Returns the session.
	 * @return the session
	 */
	public Session getSession() {
		return this.session;
	}

	/**
	 * Returns the recipients accepted.
	 * @return the count
	 */
	public int getRecipients() {
		return this.recipients;
	}

	void setRecipients(int recipients) {
		this.recipients = recipients;
	}

	/**
	 * Returns the message size, or {@code -1} if the transaction ended before DATA did.
	 * @return the size in bytes
	 */
	public long getSize() {
		return this.size;
	}

	void setSize(long size) {
		this.size = size;
	}

	/**
	 * Returns the reply to the end of DATA, or {@code 0} if the transaction was
	 * abandoned.
	 * @return the reply code
	 */
	public int getReplyCode() {
		return this.replyCode;
	}

	void setReplyCode(int replyCode) {
		this.replyCode = replyCode;
	}

	/**
	 * Returns whether the transaction has ended (its observation is being stopped): its
	 * recipients, size and reply code are then final.
	 * @return whether it ended
	 */
	public boolean isEnded() {
		return this.ended;
	}

	void setEnded() {
		this.ended = true;
	}

}
