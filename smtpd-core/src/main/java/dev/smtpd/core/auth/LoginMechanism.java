package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;

/**
 * LOGIN (draft-murchison-sasl-login): the server asks {@code Username:} then {@code Password:}.
 */
public final class LoginMechanism implements AuthMechanism {

	private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);

	@Override
	public String name() {
		return "LOGIN";
	}

	@Override
	public AuthResult authenticate(AuthExchange exchange) throws Exception {
		byte[] login = exchange.initialResponse();
		if (login == null) {
			login = exchange.challenge(USERNAME);
		}
		byte[] password = exchange.challenge(PASSWORD);
		return exchange.authenticate(new LoginPassword(new String(login, StandardCharsets.UTF_8), password));
	}

}
