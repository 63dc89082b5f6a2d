package dev.smtpd.autoconfigure.actuate;

import java.util.List;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.SmtpdAutoConfiguration.SmtpdSslContexts;
import dev.smtpd.autoconfigure.context.SmtpServerDrain;
import dev.smtpd.core.SmtpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code smtpd} health indicator, when Spring Boot's health support is present.
 */
@AutoConfiguration(after = SmtpdAutoConfiguration.class)
@ConditionalOnClass({ SmtpServer.class, HealthIndicator.class })
@ConditionalOnSingleCandidate(SmtpServer.class)
@ConditionalOnEnabledHealthIndicator("smtpd")
public final class SmtpdHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "smtpdHealthIndicator")
	SmtpdHealthIndicator smtpdHealthIndicator(SmtpServer server, ObjectProvider<SmtpdSslContexts> ssl,
			ObjectProvider<SmtpServerDrain> drain) {
		SmtpServerDrain serverDrain = drain.getIfAvailable();
		return new SmtpdHealthIndicator(server, () -> {
			SmtpdSslContexts contexts = ssl.getIfAvailable();
			return (contexts != null) ? contexts.contexts().certificates() : List.of();
		}, () -> serverDrain != null && serverDrain.isDraining());
	}

}
