package dev.smtpd.autoconfigure;

import dev.smtpd.autoconfigure.actuate.SmtpdEndpoint;
import dev.smtpd.autoconfigure.actuate.SmtpdEndpointAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthIndicator;
import dev.smtpd.autoconfigure.metrics.SmtpdMetrics;
import dev.smtpd.autoconfigure.metrics.SmtpdMetricsAutoConfiguration;
import dev.smtpd.autoconfigure.observation.SmtpdObservationAutoConfiguration;
import dev.smtpd.autoconfigure.observation.SmtpdObservations;
import dev.smtpd.autoconfigure.security.PasswordAuthenticator;
import dev.smtpd.autoconfigure.security.SmtpdAuthAutoConfiguration;
import dev.smtpd.core.SmtpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.crypto.password.PasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The add-on auto-configurations appear when their libraries and beans are there, and the
 * server still starts when they are not.
 */
class OptionalDependenciesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class,
				SmtpdObservationAutoConfiguration.class, SmtpdEndpointAutoConfiguration.class,
				SmtpdHealthAutoConfiguration.class, SmtpdAuthAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withBean(ObservationRegistry.class, ObservationRegistry::create)
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1",
				"management.endpoints.web.exposure.include=smtpd", "smtpd.auth.users.alice={noop}x");

	@Test
	void withEverythingPresentEveryAddOnIsThere() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(SmtpdMetrics.class)
				.hasSingleBean(SmtpdObservations.class)
				.hasSingleBean(SmtpdEndpoint.class)
				.hasSingleBean(SmtpdHealthIndicator.class)
				.hasSingleBean(PasswordAuthenticator.class);
			assertThat(context.getBean(SmtpServer.class).isRunning()).isTrue();
		});
	}

	@Test
	void withoutMicrometerTheServerStartsWithoutMeters() {
		this.runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdMetrics.class);
			assertThat(context.getBean(SmtpServer.class).isRunning()).isTrue();
		});
	}

	@Test
	void withoutAMeterRegistryBeanThereAreNoMeters() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
			.withPropertyValues("smtpd.port=0")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdMetrics.class));
	}

	@Test
	void withoutObservationTheServerStarts() {
		this.runner.withClassLoader(new FilteredClassLoader(ObservationRegistry.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(SmtpdObservations.class);
			assertThat(context.getBean(SmtpServer.class).isRunning()).isTrue();
		});
	}

	@Test
	void withoutActuatorThereIsNoEndpointAndNoHealth() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class)).run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(SmtpdEndpoint.class)
				.doesNotHaveBean(SmtpdHealthIndicator.class);
			assertThat(context.getBean(SmtpServer.class).isRunning()).isTrue();
		});
	}

	@Test
	void endpointNotExposedIsNotCreated() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(SmtpdEndpoint.class));
	}

	@Test
	void healthIndicatorCanBeTurnedOff() {
		this.runner.withPropertyValues("management.health.smtpd.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SmtpdHealthIndicator.class));
	}

	@Test
	void withoutSpringSecurityCryptoThereIsNoPasswordAuthenticator() {
		this.runner.withClassLoader(new FilteredClassLoader(PasswordEncoder.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(PasswordAuthenticator.class);
			assertThat(context.getBean(SmtpServer.class).isRunning()).isTrue();
		});
	}

	@Test
	void whenDisabledNoAddOnIsCreated() {
		this.runner.withPropertyValues("smtpd.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SmtpServer.class)
				.doesNotHaveBean(SmtpdMetrics.class)
				.doesNotHaveBean(SmtpdEndpoint.class)
				.doesNotHaveBean(SmtpdHealthIndicator.class)
				.doesNotHaveBean(PasswordAuthenticator.class));
	}

}
