package dev.smtpd.autoconfigure.context;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthIndicator;
import dev.smtpd.autoconfigure.test.SmtpWire;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A replica behind a load balancer: once shutdown begins, {@code /actuator/health}
 * answers 503 {@code OUT_OF_SERVICE} while the SMTP listener still greets new clients for
 * {@code smtpd.drain-delay}; then the listener closes.
 */
class SmtpServerDrainTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, HealthContributorAutoConfiguration.class,
				SmtpdHealthAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink");

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void whenShutdownBeginsThenHealthIsOutOfServiceWhileTheListenerStillAccepts() throws Exception {
		assertDrains("local.server.port");
	}

	@Test
	void withASeparateManagementPortTheHealthIsAnsweredWhileDraining() throws Exception {
		// the child management context closes on the parent's ContextClosedEvent: after
		// the drain
		assertDrains("local.management.port", "management.server.port=0");
	}

	private void assertDrains(String healthPortProperty, String... properties) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ReplicaApplication.class)
			.properties("server.port=0", "smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink",
					"smtpd.drain-delay=6s", "management.endpoint.health.show-details=always",
					"spring.main.banner-mode=off")
			.properties(properties)
			.run();
		int healthPort = context.getEnvironment().getRequiredProperty(healthPortProperty, Integer.class);
		int smtpPort = context.getEnvironment().getRequiredProperty("local.smtpd.port", Integer.class);
		HttpResponse<String> up = health(healthPort);
		assertThat(up.statusCode()).isEqualTo(200);
		assertThat(up.body()).contains("\"status\":\"UP\"");

		CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
		HttpResponse<String> draining = await().atMost(Duration.ofSeconds(4))
			.until(() -> health(healthPort), (response) -> response.statusCode() != 200);
		assertThat(draining.statusCode()).isEqualTo(503);
		assertThat(draining.body()).contains("\"status\":\"OUT_OF_SERVICE\"", "\"draining\":true");
		try (Socket socket = new Socket("127.0.0.1", smtpPort)) {
			assertThat(SmtpWire.readReply(socket.getInputStream())).startsWith("220 ");
		}
		assertThat(closed).as("the close waits for the drain delay").isNotDone();

		closed.get(30, TimeUnit.SECONDS);
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> new Socket("127.0.0.1", smtpPort).close());
	}

	@Test
	void withoutDrainDelayTheHealthIsUpUntilShutdown() {
		this.runner.run((context) -> {
			assertThat(context.getBean(SmtpServerDrain.class).getDelay()).isZero();
			assertThat(context.getBean(SmtpServerDrain.class).isDraining()).isFalse();
			assertThat(context.getBean(SmtpdHealthIndicator.class).health(false).getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void whenDrainDelayIsNegativeThenStartupFailsNamingTheProperty() {
		this.runner.withPropertyValues("smtpd.drain-delay=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("smtpd.drain-delay"));
	}

	private HttpResponse<String> health(int port) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ReplicaApplication {

	}

}
