package dev.smtpd.autoconfigure;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.ratelimit.InMemoryRateLimiter;
import dev.smtpd.core.ratelimit.RateLimits;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.smtpd.autoconfigure.test.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code smtpd.rate-limit.*} properties, the built-in limiter they make, and a
 * {@link RateLimiter} bean that replaces it.
 */
class SmtpdRateLimitAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1");

	@Test
	void whenNoRateLimitIsSetThenTheServerAsksNoLimiter() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(InMemoryRateLimiter.class);
			assertThat(context.getBean(InMemoryRateLimiter.class).limits()).isEqualTo(RateLimits.defaults());
			assertThat(context.getBean(SmtpServer.class).rateLimiter()).isNull();
		});
	}

	@Test
	void whenRateLimitsAreSetThenTheBuiltInLimiterHasEachOfThem() {
		this.runner
			.withPropertyValues("smtpd.rate-limit.connections-per-minute=60", "smtpd.rate-limit.messages-per-minute=30",
					"smtpd.rate-limit.recipients-per-minute=100", "smtpd.rate-limit.auth-attempts-per-minute=5",
					"smtpd.rate-limit.login-messages-per-minute=20", "smtpd.rate-limit.login-recipients-per-minute=200",
					"smtpd.rate-limit.max-tracked-clients=5000")
			.run((context) -> {
				RateLimiter limiter = context.getBean(SmtpServer.class).rateLimiter();
				assertThat(limiter).isSameAs(context.getBean(InMemoryRateLimiter.class));
				assertThat(((InMemoryRateLimiter) limiter).limits())
					.isEqualTo(new RateLimits(60, 30, 100, 5, 20, 200, 5000));
			});
	}

	@Test
	void whenARateLimiterBeanIsDeclaredThenItReplacesTheBuiltInOne() {
		this.runner.withUserConfiguration(OwnRateLimiter.class)
			.withPropertyValues("smtpd.rate-limit.messages-per-minute=30")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(InMemoryRateLimiter.class);
				assertThat(context.getBean(SmtpServer.class).rateLimiter()).isSameAs(context.getBean("ownRateLimiter"));
			});
	}

	@Test
	void whenARateLimitIsZeroThenStartupFailsNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.rate-limit.messages-per-minute=0"),
				"smtpd.rate-limit.messages-per-minute", "unset for no limit");
	}

	@Test
	void whenARateLimitIsNegativeThenStartupFailsNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.rate-limit.login-recipients-per-minute=-5"),
				"smtpd.rate-limit.login-recipients-per-minute", "Must not be negative");
	}

	@Test
	void whenMaxTrackedClientsIsZeroThenStartupFailsNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.rate-limit.max-tracked-clients=0"),
				"smtpd.rate-limit.max-tracked-clients", "Must be at least 1");
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnRateLimiter {

		@Bean
		RateLimiter ownRateLimiter() {
			return (event, address, login) -> null;
		}

	}

}
