package dev.smtpd.autoconfigure.security;

import java.util.Map;
import java.util.function.Supplier;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks PLAIN and LOGIN credentials against encoded passwords ({@code {bcrypt}},
 * {@code {argon2}}, {@code {pbkdf2}}, ...) from {@code smtpd.auth.users.*} and the users
 * file. Runs on the hook executor, never on an event loop, since a good password hash is
 * slow by design. An unknown login costs the same hash check as a known one, so timing
 * does not tell which logins exist.
 */
public class PasswordAuthenticator implements Authenticator {

	private static final Logger logger = LoggerFactory.getLogger(PasswordAuthenticator.class);

	private final Supplier<Map<String, String>> users;

	private final PasswordEncoder encoder;

	private final String dummyHash;

	/**
	 * Creates an authenticator.
	 * @param users the users, login to encoded password; asked on every attempt so
	 * changes apply at once
	 * @param encoder a delegating encoder that understands the {@code {id}} prefixes
	 */
	public PasswordAuthenticator(Supplier<Map<String, String>> users, PasswordEncoder encoder) {
		this.users = users;
		this.encoder = encoder;
		this.dummyHash = encoder.encode("smtpd-dummy-password-for-unknown-logins");
	}

	@Override
	public AuthResult authenticate(Session session, String mechanism, Object credentials) {
		if (!(credentials instanceof LoginPassword login)) {
			return AuthResult.failure();
		}
		String encoded = this.users.get().get(login.login());
		String password = login.passwordAsString();
		boolean matches = matches(password, (encoded != null) ? encoded : this.dummyHash);
		return (encoded != null && matches) ? AuthResult.success(login.login()) : AuthResult.failure();
	}

	private boolean matches(String password, @Nullable String encoded) {
		try {
			return this.encoder.matches(password, encoded);
		}
		catch (IllegalArgumentException ex) {
			// an unknown {id} or a malformed hash: a failed login, not a server error,
			// but
			// one the operator must hear of (the message names the id, never the
			// password)
			logger.warn("A stored password cannot be checked: {}", ex.getMessage());
			return false;
		}
	}

	@Override
	public String toString() {
		return "PasswordAuthenticator";
	}

}
