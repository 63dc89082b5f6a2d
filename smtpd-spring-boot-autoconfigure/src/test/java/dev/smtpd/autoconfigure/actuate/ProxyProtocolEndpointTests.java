package dev.smtpd.autoconfigure.actuate;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.metrics.SmtpdMetricsAutoConfiguration;
import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.SmtpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Behind a PROXY header: the {@code smtpd} endpoint shows the client as the peer and the
 * proxy beside it, and connections refused for their header are counted by reason.
 */
class ProxyProtocolEndpointTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdEndpointAutoConfiguration.class,
				SmtpdMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink",
				"smtpd.proxy-protocol.enabled=true", "management.endpoints.web.exposure.include=smtpd");

	@Test
	void sessionShowsTheProxiedClientAsPeerAndTheProxyBesideIt() {
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			try (Socket socket = new Socket("127.0.0.1", port)) {
				socket.setSoTimeout(10_000);
				InputStream in = socket.getInputStream();
				OutputStream out = socket.getOutputStream();
				out.write("PROXY TCP4 192.0.2.10 198.51.100.1 40123 25\r\nEHLO client.example\r\n"
					.getBytes(StandardCharsets.US_ASCII));
				assertThat(SmtpWire.readReply(in)).startsWith("220 ");
				assertThat(SmtpWire.readReply(in)).startsWith("250");
				String json = JsonMapper.builder()
					.build()
					.writeValueAsString(context.getBean(SmtpdEndpoint.class).smtpd());
				assertThat(json).contains("\"peer\":\"192.0.2.10:40123\"",
						"\"proxy\":\"127.0.0.1:" + socket.getLocalPort() + "\"");
			}
		});
	}

	@Test
	void connectionsRefusedForTheirHeaderAreCountedByReason() {
		this.runner.withPropertyValues("smtpd.proxy-protocol.timeout=200ms").run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			for (String sent : new String[] { "EHLO client.example\r\n", "PROXY TCP4 1.2.3\r\n", "" }) {
				try (Socket socket = new Socket("127.0.0.1", port)) {
					socket.setSoTimeout(10_000);
					socket.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
					assertThat(socket.getInputStream().readAllBytes()).isEmpty();
				}
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().untilAsserted(() -> {
				assertThat(registry.get("smtpd.connections.refused").tag("reason", "proxy_invalid").counter().count())
					.isEqualTo(2);
				assertThat(registry.get("smtpd.connections.refused").tag("reason", "proxy_timeout").counter().count())
					.isEqualTo(1);
			});
			String json = JsonMapper.builder().build().writeValueAsString(context.getBean(SmtpdEndpoint.class).smtpd());
			assertThat(json).contains("\"connectionsRefused\":3");
		});
	}

}
