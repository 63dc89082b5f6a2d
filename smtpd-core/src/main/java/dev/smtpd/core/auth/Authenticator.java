package dev.smtpd.core.auth;

import dev.smtpd.core.handler.Session;

/**
 * Decides whether credentials are good, as aiosmtpd's {@code authenticator} callable.
 * Runs on the hook executor: it may block (a password hash check, a directory look-up).
 */
@FunctionalInterface
public interface Authenticator {

	/**
	 * Checks credentials.
	 * @param session the session
	 * @param mechanism the SASL mechanism, such as {@code PLAIN}
	 * @param credentials what the mechanism decoded: a {@link LoginPassword} for PLAIN
	 * and LOGIN, mechanism-specific otherwise
	 * @return the decision
	 */
	AuthResult authenticate(Session session, String mechanism, Object credentials) throws Exception;

}
