package dev.smtpd.autoconfigure.actuate;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import dev.smtpd.autoconfigure.test.SmtpWire;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client over the message and connection rate limits, seen from outside: its replies,
 * the {@code smtpd.rate.limited} meters, and the {@code smtpd} endpoint over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoints.web.exposure.include=metrics,smtpd",
				"smtpd.handler=sink", "smtpd.rate-limit.messages-per-minute=2",
				"smtpd.rate-limit.connections-per-minute=1" })
class RateLimitEndToEndTests {

	private static final int PORT = SmtpWire.freePort();

	@DynamicPropertySource
	static void ports(DynamicPropertyRegistry registry) {
		registry.add("smtpd.port", () -> PORT);
		registry.add("smtpd.address", () -> "127.0.0.1");
	}

	@LocalManagementPort
	int managementPort;

	@Autowired
	MeterRegistry registry;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void aClientOverTheLimitsIsRefusedCountedAndListed() throws Exception {
		String before = get("/actuator/smtpd");
		assertThat(before).contains("\"rateLimit\":{", "\"perMinute\":{\"connections\":1,\"messages\":2}",
				"\"tracked\":0", "\"limited\":[]");
		try (Socket socket = new Socket("127.0.0.1", PORT)) {
			socket.setSoTimeout(10_000);
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			assertThat(SmtpWire.readReply(in)).startsWith("220");
			send(out, "EHLO client.example");
			SmtpWire.readReply(in);
			for (int i = 0; i < 2; i++) {
				send(out, "MAIL FROM:<a@example.com>");
				assertThat(SmtpWire.readReply(in)).startsWith("250");
				send(out, "RSET");
				assertThat(SmtpWire.readReply(in)).startsWith("250");
			}
			send(out, "MAIL FROM:<a@example.com>");
			assertThat(SmtpWire.readReply(in)).isEqualTo("450 4.7.1 Error: too much mail, try again later\n");

			try (Socket second = new Socket("127.0.0.1", PORT)) {
				second.setSoTimeout(10_000);
				assertThat(SmtpWire.readReply(second.getInputStream())).startsWith("421 4.7.0 ");
				assertThat(second.getInputStream().read()).isEqualTo(-1);
			}

			String summary = get("/actuator/smtpd");
			assertThat(summary).contains("\"tracked\":2", "\"limit\":\"messages\",\"client\":\"127.0.0.1\"",
					"\"limit\":\"connections\",\"client\":\"127.0.0.1\"", "\"connectionsRefused\":1");
		}
		assertThat(this.registry.get("smtpd.rate.limited").tag("limit", "messages").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("smtpd.rate.limited").tag("limit", "connections").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("smtpd.rate.limited").tag("limit", "recipients").counter().count()).isZero();
		assertThat(this.registry.get("smtpd.connections.refused").tag("reason", "rate_limit").counter().count())
			.isEqualTo(1);
		assertThat(get("/actuator/metrics/smtpd.rate.limited?tag=limit:messages")).contains("\"value\":1.0");
	}

	private static void send(OutputStream out, String line) throws Exception {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
	}

	private String get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.managementPort + path))
			.build();
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class RateLimitedApplication {

	}

}
