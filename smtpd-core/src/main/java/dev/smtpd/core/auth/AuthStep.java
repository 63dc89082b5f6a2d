package dev.smtpd.core.auth;

import dev.smtpd.core.handler.Reply;

/**
 * What an {@link AuthConversation} wants next: one of four steps.
 * <ul>
 * <li>{@link Challenge}: send these bytes, base64-encoded, in a {@code 334}, and pass the
 * client's answer to {@link AuthConversation#next};
 * <li>{@link Authenticate}: have the {@link Authenticator} check these credentials (on
 * the hook executor) and pass its decision to {@link AuthConversation#checked};
 * <li>{@link Done}: the exchange ends with this result, as if the authenticator had
 * decided it;
 * <li>{@link Abort}: the exchange ends with this reply and no decision, such as
 * {@code 501} for a malformed response; it does not count as a failed attempt.
 * </ul>
 */
public sealed interface AuthStep {

	/**
	 * Sends a challenge.
	 * @param challenge the bytes, possibly empty (an empty {@code 334})
	 * @return the step
	 */
	static AuthStep challenge(byte[] challenge) {
		return new Challenge(challenge);
	}

	/**
	 * Asks the authenticator to check credentials.
	 * @param credentials what the mechanism decoded, such as a {@link LoginPassword}
	 * @return the step
	 */
	static AuthStep authenticate(Object credentials) {
		return new Authenticate(credentials);
	}

	/**
	 * Ends the exchange with a result.
	 * @param result the result
	 * @return the step
	 */
	static AuthStep done(AuthResult result) {
		return new Done(result);
	}

	/**
	 * Ends the exchange with a reply, without a decision.
	 * @param reply the reply, a negative one
	 * @return the step
	 */
	static AuthStep abort(Reply reply) {
		return new Abort(reply);
	}

	/**
	 * Ends the exchange because the client's response makes no sense for this mechanism:
	 * {@code 501 5.5.2}.
	 * @return the step
	 */
	static AuthStep malformed() {
		return new Abort(Abort.MALFORMED);
	}

	/**
	 * Sends a challenge and waits for the client's answer.
	 *
	 * @param challenge the bytes to send base64-encoded, possibly empty; a copy
	 */
	record Challenge(byte[] challenge) implements AuthStep {

		public Challenge {
			challenge = challenge.clone();
		}

		@Override
		public byte[] challenge() {
			return this.challenge.clone();
		}

	}

	/**
	 * Has the authenticator check credentials. {@link #toString()} does not show them.
	 *
	 * @param credentials what the mechanism decoded
	 */
	record Authenticate(Object credentials) implements AuthStep {

		@Override
		public String toString() {
			return "Authenticate[credentials=******]";
		}

	}

	/**
	 * Ends the exchange with a result.
	 *
	 * @param result the result; a success needs an identity, else it counts as a failure
	 */
	record Done(AuthResult result) implements AuthStep {

	}

	/**
	 * Ends the exchange with a negative reply and no decision.
	 *
	 * @param reply the reply
	 */
	record Abort(Reply reply) implements AuthStep {

		static final Reply MALFORMED = Reply.of(501, "5.5.2", "Malformed authentication response");

		public Abort {
			if (reply.isPositive()) {
				throw new IllegalArgumentException("An abort needs a negative reply, not " + reply.code());
			}
		}

	}

}
