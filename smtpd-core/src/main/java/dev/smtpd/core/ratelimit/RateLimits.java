package dev.smtpd.core.ratelimit;

import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.handler.RateLimiter.Limit;

/**
 * The settings of the {@link InMemoryRateLimiter}: events allowed per minute per client
 * address or per authenticated login ({@code 0} is off), and the bound of its memory. A
 * rejected value throws an {@link InvalidSettingException} whose key is the property name
 * relative to {@code smtpd.}, as for {@link dev.smtpd.core.SmtpServerConfig}.
 *
 * @param connectionsPerMinute connections per client address
 * ({@code rate-limit.connections-per-minute})
 * @param messagesPerMinute MAIL commands per client address
 * ({@code rate-limit.messages-per-minute})
 * @param recipientsPerMinute RCPT commands per client address
 * ({@code rate-limit.recipients-per-minute})
 * @param authAttemptsPerMinute AUTH commands per client address
 * ({@code rate-limit.auth-attempts-per-minute})
 * @param loginMessagesPerMinute MAIL commands per authenticated login
 * ({@code rate-limit.login-messages-per-minute})
 * @param loginRecipientsPerMinute RCPT commands per authenticated login
 * ({@code rate-limit.login-recipients-per-minute})
 * @param maxTrackedClients counters kept at most, one per client and limit; beyond it the
 * least recently used is forgotten ({@code rate-limit.max-tracked-clients})
 */
public record RateLimits(int connectionsPerMinute, int messagesPerMinute, int recipientsPerMinute,
		int authAttemptsPerMinute, int loginMessagesPerMinute, int loginRecipientsPerMinute, int maxTrackedClients) {

	public RateLimits {
		requireNotNegative("connections-per-minute", connectionsPerMinute);
		requireNotNegative("messages-per-minute", messagesPerMinute);
		requireNotNegative("recipients-per-minute", recipientsPerMinute);
		requireNotNegative("auth-attempts-per-minute", authAttemptsPerMinute);
		requireNotNegative("login-messages-per-minute", loginMessagesPerMinute);
		requireNotNegative("login-recipients-per-minute", loginRecipientsPerMinute);
		if (maxTrackedClients < 1) {
			throw new InvalidSettingException("rate-limit.max-tracked-clients", maxTrackedClients,
					"Must be at least 1");
		}
	}

	/**
	 * Returns the defaults: every limit off, at most 100,000 counters.
	 * @return the defaults
	 */
	public static RateLimits defaults() {
		return new RateLimits(0, 0, 0, 0, 0, 0, 100_000);
	}

	/**
	 * Returns the events per minute one limit allows.
	 * @param limit the limit
	 * @return the events per minute, {@code 0} when the limit is off
	 */
	public int perMinute(Limit limit) {
		return switch (limit) {
			case CONNECTIONS -> this.connectionsPerMinute;
			case MESSAGES -> this.messagesPerMinute;
			case RECIPIENTS -> this.recipientsPerMinute;
			case AUTH_ATTEMPTS -> this.authAttemptsPerMinute;
			case LOGIN_MESSAGES -> this.loginMessagesPerMinute;
			case LOGIN_RECIPIENTS -> this.loginRecipientsPerMinute;
		};
	}

	/**
	 * Returns whether any limit is on.
	 * @return whether a limit is on
	 */
	public boolean isEnabled() {
		return (this.connectionsPerMinute | this.messagesPerMinute | this.recipientsPerMinute
				| this.authAttemptsPerMinute | this.loginMessagesPerMinute | this.loginRecipientsPerMinute) != 0;
	}

	public RateLimits withConnectionsPerMinute(int connectionsPerMinute) {
		return new RateLimits(connectionsPerMinute, this.messagesPerMinute, this.recipientsPerMinute,
				this.authAttemptsPerMinute, this.loginMessagesPerMinute, this.loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withMessagesPerMinute(int messagesPerMinute) {
		return new RateLimits(this.connectionsPerMinute, messagesPerMinute, this.recipientsPerMinute,
				this.authAttemptsPerMinute, this.loginMessagesPerMinute, this.loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withRecipientsPerMinute(int recipientsPerMinute) {
		return new RateLimits(this.connectionsPerMinute, this.messagesPerMinute, recipientsPerMinute,
				this.authAttemptsPerMinute, this.loginMessagesPerMinute, this.loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withAuthAttemptsPerMinute(int authAttemptsPerMinute) {
		return new RateLimits(this.connectionsPerMinute, this.messagesPerMinute, this.recipientsPerMinute,
				authAttemptsPerMinute, this.loginMessagesPerMinute, this.loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withLoginMessagesPerMinute(int loginMessagesPerMinute) {
		return new RateLimits(this.connectionsPerMinute, this.messagesPerMinute, this.recipientsPerMinute,
				this.authAttemptsPerMinute, loginMessagesPerMinute, this.loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withLoginRecipientsPerMinute(int loginRecipientsPerMinute) {
		return new RateLimits(this.connectionsPerMinute, this.messagesPerMinute, this.recipientsPerMinute,
				this.authAttemptsPerMinute, this.loginMessagesPerMinute, loginRecipientsPerMinute,
				this.maxTrackedClients);
	}

	public RateLimits withMaxTrackedClients(int maxTrackedClients) {
		return new RateLimits(this.connectionsPerMinute, this.messagesPerMinute, this.recipientsPerMinute,
				this.authAttemptsPerMinute, this.loginMessagesPerMinute, this.loginRecipientsPerMinute,
				maxTrackedClients);
	}

	private static void requireNotNegative(String name, int value) {
		if (value < 0) {
			throw new InvalidSettingException("rate-limit." + name, value, "Must not be negative");
		}
	}

}
