package dev.smtpd.core;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Limits and hostile input, over real sockets: each ends in an SMTP error or a close,
 * never in unbounded buffering or a dead server.
 */
class SmtpAbuseTests {

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void overlongCommandGets500AndSessionGoesOn() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("NOOP " + "x".repeat(600), 500).text()).isEqualTo("5.5.2 Error: line too long");
			assertThat(client.command("NOOP " + "x".repeat(505), 250).code()).isEqualTo(250);
			client.ehlo();
		}
	}

	@Test
	void mailCommandGetsTheSizeAllowance() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dsn(false));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			// 512 octets including CRLF, plus 26 for SIZE (RFC 1870), are allowed for
			// MAIL
			String start = "MAIL FROM:<a@example.com>";
			String longest = start + " ".repeat(538 - 2 - start.length() - 7) + "SIZE=10";
			assertThat(longest.length() + 2).isEqualTo(538);
			client.command(longest, 250);
			client.command("RSET", 250);
			client.command(start + " " + longest.substring(start.length()), 500);
			client.command("NOOP " + "x".repeat(512 - 2 - 5), 250);
			client.command("NOOP " + "x".repeat(512 - 2 - 4), 500);
		}
	}

	@Test
	void mailAndRcptGetTheDsnAllowances() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			// RFC 3461 §4: 110 more octets for MAIL (RET, ENVID), 500 for RCPT (NOTIFY,
			// ORCPT)
			String mail = "MAIL FROM:<a@example.com>";
			String longestMail = mail + " ".repeat(512 + 26 + 110 - 2 - mail.length() - 7) + "SIZE=10";
			client.command(mail + " " + longestMail.substring(mail.length()), 500);
			client.command(longestMail, 250);
			String rcpt = "RCPT TO:<b@example.com>";
			String longestRcpt = rcpt + " ".repeat(512 + 500 - 2 - rcpt.length() - 12) + "NOTIFY=NEVER";
			client.command(rcpt + " " + longestRcpt.substring(rcpt.length()), 500);
			client.command(longestRcpt, 250);
			client.command("NOOP " + "x".repeat(512 - 2 - 4), 500);
		}
	}

	@Test
	void commandWithoutCrlfIsNeverBufferedBeyondTheLimit() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
			for (int i = 0; i < 160; i++) { // 10 MiB without a line end
				client.sendRaw(chunk);
			}
			client.sendRaw("\r\n");
			client.expect(500);
			client.command("NOOP", 250);
		}
	}

	@Test
	void nulAndBareLineEndsInCommandsGet501() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("NOOP \0", 501).text()).startsWith("5.5.2");
			assertThat(client.command("NOOP a\nb", 501).text()).startsWith("5.5.2");
			assertThat(client.command("NOOP a\rb", 501).text()).startsWith("5.5.2");
			client.command("NOOP", 250);
		}
	}

	@Test
	void verbWithNulOrInvalidUtf8IsUnrecognized() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("NO\0OP", 500).text()).isEqualTo("5.5.2 Error: command not recognized");
			client.sendRaw(new byte[] { 'N', 'O', (byte) 0xC3, 'O', 'P', ' ', 'x', '\r', '\n' });
			assertThat(client.expect(500).text()).isEqualTo("5.5.2 Error: command not recognized");
			client.sendRaw(new byte[] { 'N', 'O', 'O', 'P', ' ', (byte) 0xFF, '\r', '\n' });
			assertThat(client.expect(501).text()).isEqualTo("5.5.2 Syntax error: command is not valid UTF-8");
			client.command("NOOP", 250);
		}
	}

	@Test
	void smugglingSequencesDoNotEndTheMessage() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			String smuggled = "Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\n"
					+ "DATA\r\nbody\r.\rmore\r\n.\n\r\n";
			client.sendRaw(smuggled + ".\r\n");
			client.expect(250);
			client.command("QUIT", 221);
		}
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.recipients()).containsExactly("b@example.com");
		assertThat(delivery.text()).isEqualTo(smuggledUnstuffed());
		assertThat(this.handler.pending()).isZero();
	}

	private static String smuggledUnstuffed() {
		// the line "\n.\nMAIL..." begins after CRLF with "body\n.\n": no dot starts a
		// CRLF line except ".\n\r\n"
		return "Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\n"
				+ "DATA\r\nbody\r.\rmore\r\n\n\r\n";
	}

	@Test
	void messageTextPipelinedBehindRefusedDataIsNotExecuted() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.sendRaw(
					"RCPT TO:<>\r\nDATA\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<v@example.com>\r\nDATA\r\nx\r\n.\r\n");
			client.expect(501);
			client.expect(503);
			client.expect(421);
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void idleClientGets421AndIsClosed() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(300)));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: timeout exceeded");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void theIdleTimeoutCountsFromTheLastCommand() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(500)));
		try (SmtpTestClient client = this.server.connect()) {
			long start = System.nanoTime();
			// commands 200 ms apart keep the session for three times the timeout
			for (int i = 0; i < 8; i++) {
				Thread.sleep(200);
				client.command("NOOP", 250);
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1500));
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: timeout exceeded");
		}
	}

	@Test
	void aHookSlowerThanTheIdleTimeoutIsWaitedFor() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(300)).handler(new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options)
					throws Exception {
				Thread.sleep(1_000); // slow work, three times the idle timeout
				return null;
			}

		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250); // answered after a second
			client.command("NOOP", 250);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: timeout exceeded");
		}
	}

	@Test
	@Timeout(30)
	void clientThatStopsReadingIsClosedAfterTheTimeout() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(500)));
		try (Socket socket = new Socket("127.0.0.1", this.server.port())) {
			socket.setReceiveBufferSize(4096);
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			byte[] helps = "HELP\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
			// Never read: replies pile up until the server can no longer write, then it
			// must give up.
			assertThatCode(() -> {
				for (int i = 0; i < 2000; i++) {
					out.write(helps);
				}
			}).isInstanceOf(java.io.IOException.class);
		}
		Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.server.server().activeConnections()).isZero());
	}

	@Test
	void tricklingDataIsCutOffByTheDataTimeout() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dataTimeout(Duration.ofMillis(400)));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("Subject: slow\r\n");
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: DATA took too long");
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void connectionsOverTheLimitGet421() throws Exception {
		this.server = TestServer.start((builder) -> builder.maxConnections(2));
		try (SmtpTestClient first = this.server.connect();
				SmtpTestClient second = this.server.connect();
				SmtpTestClient third = new SmtpTestClient(this.server.port())) {
			assertThat(third.expect(421).text())
				.isEqualTo("4.7.0 mx.test.example Too many connections, try again later");
			assertThat(third.isClosedByServer()).isTrue();
			first.command("NOOP", 250);
		}
	}

	@Test
	void connectionsPerAddressOverTheLimitGet421() throws Exception {
		this.server = TestServer.start((builder) -> builder.maxConnectionsPerAddress(1));
		try (SmtpTestClient first = this.server.connect()) {
			try (SmtpTestClient second = new SmtpTestClient(this.server.port())) {
				assertThat(second.expect(421).text()).contains("Too many connections from your address");
			}
			first.command("QUIT", 221);
		}
		try (SmtpTestClient again = this.server.connect()) {
			again.command("NOOP", 250);
		}
	}

	@Test
	void thousandConcurrentConnectionsAndStillDelivers() throws Exception {
		this.server = TestServer.start(this.handler);
		List<SmtpTestClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 1000; i++) {
				clients.add(this.server.connect());
			}
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("MAIL FROM:<a@example.com>", 250);
				client.command("RCPT TO:<b@example.com>", 250);
				assertThat(client.data("hello\r\n").code()).isEqualTo(250);
			}
			assertThat(this.handler.take().text()).isEqualTo("hello\r\n");
			assertThat(this.server.server().activeConnections()).isGreaterThanOrEqualTo(1000);
		}
		finally {
			for (SmtpTestClient client : clients) {
				client.close();
			}
		}
	}

}
