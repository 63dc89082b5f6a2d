package dev.smtpd.core.auth;

/**
 * Thrown by {@link AuthExchange#challenge(byte[])} when the client cancels with {@code *}.
 */
public class AuthCancelledException extends Exception {

	public AuthCancelledException() {
		super("Authentication cancelled", null, false, false);
	}

}
