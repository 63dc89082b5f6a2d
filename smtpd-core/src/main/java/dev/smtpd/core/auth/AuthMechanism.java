package dev.smtpd.core.auth;

/**
 * A SASL mechanism, as aiosmtpd's {@code auth_MECHANISM} methods. PLAIN and LOGIN are built in; add
 * others (CRAM-MD5, XOAUTH2, …) by implementing this. Runs on the hook executor.
 */
public interface AuthMechanism {

	/**
	 * Returns the mechanism name as advertised, such as {@code PLAIN}.
	 * @return the name
	 */
	String name();

	/**
	 * Runs the exchange: challenges as needed, then decides, usually through
	 * {@link AuthExchange#authenticate(Object)}.
	 * @param exchange the exchange
	 * @return the result
	 */
	AuthResult authenticate(AuthExchange exchange) throws Exception;

}
