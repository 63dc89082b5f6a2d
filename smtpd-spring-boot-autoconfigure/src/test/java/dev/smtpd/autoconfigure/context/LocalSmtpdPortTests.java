package dev.smtpd.autoconfigure.context;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.core.SmtpServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LocalSmtpdPort} injects the port the server picked.
 */
class LocalSmtpdPortTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink");

	@Test
	void fieldsAndParametersGetThePortTheServerListensOn() {
		this.runner.withUserConfiguration(PortUsers.class).run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			assertThat(port).isPositive();
			assertThat(context.getBean(FieldInjected.class).port).isEqualTo(port);
			assertThat(context.getBean(ParameterInjected.class).port()).isEqualTo(port);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class PortUsers {

		// lazy: created after the context started the server and published the port
		@Bean
		@Lazy
		FieldInjected fieldInjected() {
			return new FieldInjected();
		}

		@Bean
		@Lazy
		ParameterInjected parameterInjected(@LocalSmtpdPort int port) {
			return new ParameterInjected(port);
		}

	}

	static class FieldInjected {

		@LocalSmtpdPort
		int port;

	}

	record ParameterInjected(int port) {
	}

}
