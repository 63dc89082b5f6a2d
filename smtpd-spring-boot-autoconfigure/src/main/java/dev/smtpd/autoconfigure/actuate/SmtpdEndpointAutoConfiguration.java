package dev.smtpd.autoconfigure.actuate;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.core.SmtpServer;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * The {@code smtpd} actuator endpoint, when actuator is present and the endpoint is
 * exposed.
 */
@AutoConfiguration(after = SmtpdAutoConfiguration.class)
@ConditionalOnClass({ SmtpServer.class, Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnSingleCandidate(SmtpServer.class)
@ConditionalOnAvailableEndpoint(SmtpdEndpoint.class)
public final class SmtpdEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SmtpdEndpoint smtpdEndpoint(SmtpServer server) {
		return new SmtpdEndpoint(server);
	}

}
