package dev.smtpd.core.auth;

import java.io.IOException;

import dev.smtpd.core.handler.Session;

/**
 * The conversation of one AUTH command, given to an {@link AuthMechanism}.
 */
public interface AuthExchange {

	/**
	 * Returns the session.
	 * @return the session
	 */
	Session session();

	/**
	 * Returns the initial response given with the AUTH command, decoded; an empty array for
	 * {@code =}; {@code null} when none was given.
	 * @return the initial response
	 */
	byte @org.jspecify.annotations.Nullable [] initialResponse();

	/**
	 * Sends a {@code 334} challenge and waits for the client's response. Blocks the hook thread.
	 * @param challenge the challenge bytes, sent base64-encoded (may be empty)
	 * @return the client's response, decoded
	 * @throws AuthCancelledException if the client answered {@code *}
	 * @throws IOException if the client disconnected or did not answer in time
	 * @throws dev.smtpd.core.handler.SmtpException with {@code 501} if the response is not base64
	 */
	byte[] challenge(byte[] challenge) throws IOException, AuthCancelledException;

	/**
	 * Asks the authenticator to check credentials.
	 * @param credentials what this mechanism decoded
	 * @return the authenticator's decision
	 */
	AuthResult authenticate(Object credentials) throws Exception;

}
