package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd}, in the initial response or
 * after an empty challenge. An authorization identity other than the login is refused,
 * since nothing here can let one user act as another.
 */
public final class PlainMechanism implements AuthMechanism {

	private static final Reply MALFORMED = Reply.of(501, "5.5.2", "Malformed PLAIN credentials");

	private static final AuthStep OTHER_IDENTITY = AuthStep
		.done(AuthResult.failure(Reply.of(535, "5.7.8", "Authorization identity not permitted")));

	@Override
	public String name() {
		return "PLAIN";
	}

	@Override
	public AuthConversation start(Session session) {
		return new AuthConversation() {

			@Override
			public AuthStep first(byte @Nullable [] initialResponse) {
				return (initialResponse != null) ? credentials(initialResponse) : AuthStep.challenge(new byte[0]);
			}

			@Override
			public AuthStep next(byte[] response) {
				return credentials(response);
			}

		};
	}

	private static AuthStep credentials(byte[] response) {
		int first = indexOf(response, 0);
		int second = (first >= 0) ? indexOf(response, first + 1) : -1;
		if (first < 0 || second < 0 || indexOf(response, second + 1) >= 0 || second == first + 1) {
			return AuthStep.abort(MALFORMED);
		}
		String authzid = new String(response, 0, first, StandardCharsets.UTF_8);
		String login = new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
		byte[] password = Arrays.copyOfRange(response, second + 1, response.length);
		Arrays.fill(response, (byte) 0);
		if (!authzid.isEmpty() && !authzid.equals(login)) {
			return OTHER_IDENTITY;
		}
		LoginPassword credentials = new LoginPassword(login, password);
		Arrays.fill(password, (byte) 0);
		return AuthStep.authenticate(credentials);
	}

	private static int indexOf(byte[] bytes, int from) {
		for (int i = from; i < bytes.length; i++) {
			if (bytes[i] == 0) {
				return i;
			}
		}
		return -1;
	}

}
