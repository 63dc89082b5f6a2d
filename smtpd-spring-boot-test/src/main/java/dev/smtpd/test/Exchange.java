package dev.smtpd.test;

/**
 * One command a client sent to the catcher and the reply code it got, in the order the
 * catcher answered them: what the client did, and what it did next after a fault.
 *
 * @param sessionId the session
 * @param verb the upper-case verb, such as {@code MAIL}; {@code CONNECT} for a new
 * connection (its code is the greeting's, or the refusal's)
 * @param replyCode the reply code; {@code 0} when the connection was dropped without a
 * reply (after a {@code 354}, the drop follows the {@code 354} as an entry of its own)
 * @param faulted whether a fault decided the reply
 */
public record Exchange(String sessionId, String verb, int replyCode, boolean faulted) {

	@Override
	public String toString() {
		return this.sessionId + " " + this.verb + " -> " + ((this.replyCode != 0) ? this.replyCode : "dropped")
				+ (this.faulted ? " (fault)" : "");
	}

}
