package dev.smtpd.autoconfigure.observation;

import dev.smtpd.core.SmtpServer;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Observations of SMTP sessions and mail transactions, when the application has an
 * {@link ObservationRegistry}; conventions can be replaced by beans.
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({ SmtpServer.class, ObservationRegistry.class })
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
public final class SmtpdObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SmtpdObservations smtpdObservations(ObservationRegistry registry,
			ObjectProvider<SmtpSessionObservationConvention> sessionConvention,
			ObjectProvider<SmtpTransactionObservationConvention> transactionConvention) {
		return new SmtpdObservations(registry, sessionConvention.getIfUnique(), transactionConvention.getIfUnique());
	}

}
