package dev.smtpd.autoconfigure.metrics;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.SmtpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client cut off by a deadline (a trickled command line, a message below the minimum
 * rate) is counted: {@code smtpd.sessions} with {@code end=timeout}.
 */
class DeadlineMetricsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink", "smtpd.timeout=500ms",
				"smtpd.data-min-rate=100B");

	@Test
	@Timeout(60)
	void clientsCutOffByADeadlineAreCountedAsTimeouts() {
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			// a command line a byte every 100 ms, never complete
			try (Socket socket = new Socket("127.0.0.1", port)) {
				socket.setSoTimeout(10_000);
				InputStream in = socket.getInputStream();
				SmtpWire.readReply(in);
				assertThat(trickleUntilAnswered(socket, "NOOP " + "x".repeat(60))).startsWith("421 4.4.2");
			}
			// a message at 50 octets a second, below the 100 required after the grace
			try (Socket socket = new Socket("127.0.0.1", port)) {
				socket.setSoTimeout(10_000);
				InputStream in = socket.getInputStream();
				OutputStream out = socket.getOutputStream();
				SmtpWire.readReply(in);
				for (String command : new String[] { "HELO client.example", "MAIL FROM:<a@example.com>",
						"RCPT TO:<b@example.com>", "DATA" }) {
					out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
					SmtpWire.readReply(in);
				}
				assertThat(trickleUntilAnswered(socket, "x".repeat(300))).contains("data too slow");
			}
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(registry.get("smtpd.sessions").tag("end", "timeout").timer().count())
					.isEqualTo(2));
		});
	}

	/**
	 * Sends five bytes every 100 ms (at most 6 s) until the server answers; returns the
	 * answer.
	 */
	private static String trickleUntilAnswered(Socket socket, String text) throws Exception {
		OutputStream out = socket.getOutputStream();
		InputStream in = socket.getInputStream();
		byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i < bytes.length; i += 5) {
			if (in.available() > 0) {
				break;
			}
			try {
				out.write(bytes, i, Math.min(5, bytes.length - i));
				out.flush();
			}
			catch (java.io.IOException ex) {
				break; // closed by the server
			}
			Thread.sleep(100); // the slow client's pace
		}
		return SmtpWire.readReply(in);
	}

}
