package dev.smtpd.core;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a setting of an {@link SmtpServerConfig} has a value the server cannot use.
 * The {@link #key() key} is the setting's name in property form, relative to
 * {@code smtpd.}, such as {@code io-threads} or {@code auth.max-failures}, so that a
 * configuration layer can name the property the value came from.
 */
public class InvalidSettingException extends IllegalArgumentException {

	private final String key;

	private final @Nullable Object value;

	private final String reason;

	/**
	 * Creates a new instance.
	 * @param key the setting's key in property form, such as {@code io-threads}
	 * @param value the rejected value
	 * @param reason why the value is rejected
	 */
	public InvalidSettingException(String key, @Nullable Object value, String reason) {
		super("Setting " + key + " with value '" + value + "' is invalid: " + reason);
		this.key = key;
		this.value = value;
		this.reason = reason;
	}

	/**
	 * Returns the setting's key in property form, relative to {@code smtpd.}.
	 * @return the key, such as {@code command-size-limit}
	 */
	public String key() {
		return this.key;
	}

	/**
	 * Returns the rejected value.
	 * @return the value
	 */
	public @Nullable Object value() {
		return this.value;
	}

	/**
	 * Returns why the value is rejected.
	 * @return the reason, such as {@code Must be between 0 and 1024}
	 */
	public String reason() {
		return this.reason;
	}

}
