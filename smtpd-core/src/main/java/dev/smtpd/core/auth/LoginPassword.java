package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A login and password, as PLAIN and LOGIN carry them. The password is never shown by
 * {@link #toString()}.
 *
 * @param login the login (authentication identity)
 * @param password the password bytes, as the client sent them (UTF-8 for PLAIN, RFC 4616)
 */
public record LoginPassword(String login, byte[] password) {

	public LoginPassword {
		password = password.clone();
	}

	/**
	 * Returns the password decoded as UTF-8.
	 * @return the password
	 */
	public String passwordAsString() {
		return new String(this.password, StandardCharsets.UTF_8);
	}

	@Override
	public byte[] password() {
		return this.password.clone();
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof LoginPassword that && this.login.equals(that.login)
				&& Arrays.equals(this.password, that.password);
	}

	@Override
	public int hashCode() {
		return 31 * this.login.hashCode() + Arrays.hashCode(this.password);
	}

	@Override
	public String toString() {
		return "LoginPassword[login=" + this.login + ", password=******]";
	}

}
