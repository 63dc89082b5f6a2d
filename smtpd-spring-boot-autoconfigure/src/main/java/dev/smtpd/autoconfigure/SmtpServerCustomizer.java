package dev.smtpd.autoconfigure;

import dev.smtpd.core.SmtpServer;

/**
 * Customizes the {@link SmtpServer.Builder} after the {@code smtpd.*} properties were
 * applied. Beans of this type are applied in
 * {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface SmtpServerCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder
	 */
	void customize(SmtpServer.Builder builder);

}
