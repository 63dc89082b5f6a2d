package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;

import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;

/**
 * PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd}. An authorization identity other than
 * the login is refused, since nothing here can let one user act as another.
 */
public final class PlainMechanism implements AuthMechanism {

	private static final Reply MALFORMED = Reply.of(501, "5.5.2", "Malformed PLAIN credentials");

	@Override
	public String name() {
		return "PLAIN";
	}

	@Override
	public AuthResult authenticate(AuthExchange exchange) throws Exception {
		byte[] response = exchange.initialResponse();
		if (response == null) {
			response = exchange.challenge(new byte[0]);
		}
		int first = indexOf(response, 0);
		int second = (first >= 0) ? indexOf(response, first + 1) : -1;
		if (first < 0 || second < 0 || indexOf(response, second + 1) >= 0) {
			throw new SmtpException(MALFORMED);
		}
		String authzid = new String(response, 0, first, StandardCharsets.UTF_8);
		String login = new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
		byte[] password = java.util.Arrays.copyOfRange(response, second + 1, response.length);
		java.util.Arrays.fill(response, (byte) 0);
		if (login.isEmpty()) {
			throw new SmtpException(MALFORMED);
		}
		if (!authzid.isEmpty() && !authzid.equals(login)) {
			return AuthResult.failure(Reply.of(535, "5.7.8", "Authorization identity not permitted"));
		}
		return exchange.authenticate(new LoginPassword(login, password));
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
