package dev.smtpd.core.auth;

import dev.smtpd.core.handler.Session;

/**
 * A SASL mechanism, as aiosmtpd's {@code auth_MECHANISM} methods. PLAIN and LOGIN are
 * built in; add others (CRAM-MD5, XOAUTH2, …) by implementing this and giving it to the
 * server builder.
 * <p>
 * A mechanism does not talk to the network and never waits for the client. For each AUTH
 * command the engine {@linkplain #start starts} an {@link AuthConversation} and drives it
 * on the session's event loop: it hands the conversation each client response, sends the
 * {@code 334} challenges the conversation asks for, and calls the {@link Authenticator}
 * on the hook executor when the conversation asks it to check credentials. A client that
 * goes quiet in the middle of an exchange holds no thread: it is an idle session like any
 * other.
 * <p>
 * A two-step, CRAM-MD5-like mechanism: <pre>{@code
 * class TokenMechanism implements AuthMechanism {
 *
 *     public String name() {
 *         return "X-TOKEN";
 *     }
 *
 *     public AuthConversation start(Session session) {
 *         byte[] nonce = newNonce();
 *         return new AuthConversation() {
 *
 *             public AuthStep first(byte @Nullable [] initialResponse) {
 *                 return (initialResponse != null) ? AuthStep.malformed() : AuthStep.challenge(nonce);
 *             }
 *
 *             public AuthStep next(byte[] response) {
 *                 // "login signature": the authenticator checks the signature of the nonce
 *                 return AuthStep.authenticate(new SignedNonce(nonce, response));
 *             }
 *
 *         };
 *     }
 *
 * }
 * }</pre> The conversation above asks the client for one response; the engine sends
 * {@code 334 <nonce>}, decodes the client's base64 answer, calls {@code next}, then the
 * authenticator, and answers {@code 235} or {@code 535}.
 */
public interface AuthMechanism {

	/**
	 * Returns the mechanism name as advertised, such as {@code PLAIN}.
	 * @return the name
	 */
	String name();

	/**
	 * Starts the conversation of one AUTH command. Called on the event loop: must not
	 * block.
	 * @param session the session, not yet authenticated
	 * @return a new conversation, used for this exchange only
	 */
	AuthConversation start(Session session);

}
