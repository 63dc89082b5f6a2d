package dev.smtpd.autoconfigure.actuate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.context.annotation.Bean;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Sends messages (some rejected) and reads the exact meter values, the {@code smtpd}
 * endpoint and the health through real HTTP calls to the management port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoints.web.exposure.include=health,metrics,smtpd",
				"management.endpoint.health.show-details=always", "smtpd.handler=sink",
				"smtpd.auth.users.[alice@example.com]={noop}Secret-Pa55", "smtpd.auth.require-tls=false",
				"smtpd.auth.failure-delay=0s" })
class ObservabilityEndToEndTests {

	private static final int PORT = SmtpWire.freePort();

	private static final String PASSWORD = "Secret-Pa55";

	@DynamicPropertySource
	static void ports(DynamicPropertyRegistry registry) {
		registry.add("smtpd.port", () -> PORT);
		registry.add("smtpd.address", () -> "127.0.0.1");
		registry.add("spring.mail.host", () -> "127.0.0.1");
		registry.add("spring.mail.port", () -> PORT);
	}

	@LocalManagementPort
	int managementPort;

	@Autowired
	JavaMailSender mailSender;

	@Autowired
	MeterRegistry registry;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void metersEndpointAndHealthTellWhatHappened() throws Exception {
		for (int i = 0; i < 5; i++) {
			SimpleMailMessage message = new SimpleMailMessage();
			message.setFrom("app@example.com");
			message.setTo("someone@example.org");
			message.setText((i % 2 == 0) ? "fine " + i : "spam " + i);
			if (i % 2 == 0) {
				this.mailSender.send(message);
			}
			else {
				assertThatExceptionOfType(org.springframework.mail.MailException.class)
					.isThrownBy(() -> this.mailSender.send(message));
			}
		}
		await().untilAsserted(
				() -> assertThat(this.registry.get("smtpd.sessions").tag("end", "quit").timer().count()).isEqualTo(5));
		assertThat(this.registry.get("smtpd.messages").tag("result", "accepted").counter().count()).isEqualTo(3);
		assertThat(this.registry.get("smtpd.messages").tag("result", "rejected").counter().count()).isEqualTo(2);
		assertThat(this.registry.get("smtpd.messages.size").tag("result", "accepted").summary().count()).isEqualTo(3);
		assertThat(this.registry.get("smtpd.messages.recipients").tag("result", "rejected").summary().totalAmount())
			.isEqualTo(2);
		assertThat(this.registry.get("smtpd.commands").tags("verb", "MAIL", "reply", "2xx").counter().count())
			.isEqualTo(5);
		assertThat(this.registry.get("smtpd.commands").tags("verb", "DATA", "reply", "5xx").counter().count())
			.isEqualTo(2);
		assertThat(this.registry.get("smtpd.sessions.active").gauge().value()).isZero();
		assertThat(this.registry.get("smtpd.messages").counter().getId().getDescription()).isNotBlank();

		String metric = get("/actuator/metrics/smtpd.messages?tag=result:accepted");
		assertThat(metric).contains("\"name\":\"smtpd.messages\"").contains("\"value\":3.0");

		try (Socket socket = new Socket("127.0.0.1", PORT)) {
			socket.setSoTimeout(10_000);
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			SmtpWire.readReply(in);
			out.write("EHLO live.example\r\n".getBytes(StandardCharsets.US_ASCII));
			SmtpWire.readReply(in);
			String plain = Base64.getEncoder()
				.encodeToString(("\0alice@example.com\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
			out.write(("AUTH PLAIN " + plain + "\r\n").getBytes(StandardCharsets.US_ASCII));
			assertThat(SmtpWire.readReply(in)).startsWith("235");
			out.write("MAIL FROM:<alice@example.com>\r\n".getBytes(StandardCharsets.US_ASCII));
			SmtpWire.readReply(in);

			String summary = get("/actuator/smtpd");
			assertThat(summary).contains("\"port\":" + PORT, "\"protocol\":\"smtp\"", "\"running\":true",
					"\"messagesAccepted\":3", "\"messagesRejected\":2", "\"heloName\":\"live.example\"",
					"\"login\":\"alice@example.com\"", "\"state\":\"MAIL\"", "\"maxRecipients\":1000");
			assertThat(summary).doesNotContain(PASSWORD).doesNotContain(plain);
			String id = summary.replaceAll("(?s).*\"sessions\":\\[\\{\"id\":\"([0-9a-f]+)\".*", "$1");
			assertThat(get("/actuator/smtpd/" + id)).contains("\"id\":\"" + id + "\"", "\"commands\":3");
			assertThat(status("GET", "/actuator/smtpd/ffffffff")).isEqualTo(404);

			String health = get("/actuator/health/smtpd");
			assertThat(health).contains("\"status\":\"UP\"", "\"port\":" + PORT, "\"activeSessions\":1");

			HttpResponse<String> closed = send("DELETE", "/actuator/smtpd/" + id);
			assertThat(closed.body()).contains("\"closed\":true");
			assertThat(SmtpWire.readReply(in)).startsWith("421 4.3.2");
			assertThat(in.read()).isEqualTo(-1);
		}
		await().untilAsserted(
				() -> assertThat(this.registry.get("smtpd.sessions").tag("end", "admin").timer().count()).isEqualTo(1));
		assertThat(this.registry.get("smtpd.auth.attempts")
			.tags("mechanism", "PLAIN", "outcome", "success")
			.counter()
			.count()).isEqualTo(1);
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = send("GET", path);
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	private int status(String method, String path) throws Exception {
		return send(method, path).statusCode();
	}

	private HttpResponse<String> send(String method, String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.managementPort + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ObservedApplication {

		@Bean
		SmtpHandler spamFilter() {
			return new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
						throws Exception {
					return content.asString(StandardCharsets.UTF_8).contains("spam")
							? Reply.of(554, "5.7.1", "Spam refused") : null;
				}

			};
		}

	}

}
