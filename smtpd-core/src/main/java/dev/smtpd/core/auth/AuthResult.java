package dev.smtpd.core.auth;

import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Authenticator} decided, as aiosmtpd's {@code AuthResult}.
 *
 * @param success whether the client is now authenticated
 * @param identity the identity recorded in the session on success (usually the login),
 * else {@code null}
 * @param reply the reply to send instead of the default {@code 235 2.7.0} /
 * {@code 535 5.7.8}, or {@code null}
 * @param authData what to keep in {@link dev.smtpd.core.handler.Session#authData()},
 * never shown by {@link #toString()}
 */
public record AuthResult(boolean success, @Nullable String identity, @Nullable Reply reply, @Nullable Object authData) {

	/**
	 * A success for the given identity.
	 * @param identity the authenticated identity
	 * @return the result
	 */
	public static AuthResult success(String identity) {
		return new AuthResult(true, identity, null, null);
	}

	/**
	 * A failure with the default {@code 535 5.7.8} reply.
	 * @return the result
	 */
	public static AuthResult failure() {
		return new AuthResult(false, null, null, null);
	}

	/**
	 * A failure with a reply of your own, such as {@code 454 4.7.0} for a temporary
	 * failure.
	 * @param reply the reply
	 * @return the result
	 */
	public static AuthResult failure(Reply reply) {
		return new AuthResult(false, null, reply, null);
	}

	@Override
	public String toString() {
		return "AuthResult[success=" + this.success + ", identity=" + this.identity + ", reply=" + this.reply
				+ ", authData=" + ((this.authData != null) ? "******" : null) + "]";
	}

}
