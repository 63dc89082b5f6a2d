package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;

import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * LOGIN (draft-murchison-sasl-login): the server asks {@code Username:} then
 * {@code Password:}; a login given as the initial response skips the first question.
 */
public final class LoginMechanism implements AuthMechanism {

	private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);

	@Override
	public String name() {
		return "LOGIN";
	}

	@Override
	public AuthConversation start(Session session) {
		return new AuthConversation() {

			private @Nullable String login;

			@Override
			public AuthStep first(byte @Nullable [] initialResponse) {
				return (initialResponse != null) ? next(initialResponse) : AuthStep.challenge(USERNAME);
			}

			@Override
			public AuthStep next(byte[] response) {
				String login = this.login;
				if (login == null) {
					this.login = new String(response, StandardCharsets.UTF_8);
					return AuthStep.challenge(PASSWORD);
				}
				return AuthStep.authenticate(new LoginPassword(login, response));
			}

		};
	}

}
