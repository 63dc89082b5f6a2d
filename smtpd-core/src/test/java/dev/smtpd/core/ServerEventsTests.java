package dev.smtpd.core;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.ServerStatistics;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestCertificates;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The listener SPI, live session snapshots, closing a session, and the totals.
 */
class ServerEventsTests {

	private final List<String> events = new CopyOnWriteArrayList<>();

	private final SmtpServerListener recorder = new SmtpServerListener() {

		@Override
		public void sessionStarted(Session session) {
			ServerEventsTests.this.events.add("start");
		}

		@Override
		public void sessionEnded(Session session, SessionEnd end, Duration duration) {
			ServerEventsTests.this.events.add("end " + end);
		}

		@Override
		public void commandCompleted(Session session, String verb, int replyCode) {
			ServerEventsTests.this.events.add(verb + " " + replyCode);
		}

		@Override
		public void messageCompleted(Session session, Envelope envelope, long size, int replyCode) {
			ServerEventsTests.this.events.add("message " + size + " " + envelope.recipients().size() + " " + replyCode);
		}

		@Override
		public void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
			ServerEventsTests.this.events.add("auth " + mechanism + " " + outcome);
		}

		@Override
		public void tlsHandshakeCompleted(Session session, @Nullable String protocol, boolean success) {
			ServerEventsTests.this.events.add("tls " + success);
		}

		@Override
		public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
			ServerEventsTests.this.events.add("refused " + reason);
		}

	};

	private final SmtpHandler rejectSpam = new SmtpHandler() {

		@Override
		public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
			return content.asString(java.nio.charset.StandardCharsets.US_ASCII).contains("spam")
					? Reply.of(554, "5.7.1", "Spam") : null;
		}

	};

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void listenerSeesSessionsCommandsAndMessages() throws Exception {
		this.server = TestServer.start((builder) -> builder.listener(this.recorder).handler(this.rejectSpam));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("RCPT TO:<c@example.com>", 250);
			client.data("Subject: ok\r\n\r\nhello\r\n");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("spam\r\n.\r\n");
			client.expect(554);
			client.command("XYZZY secret-argument", 500);
			client.command("QUIT", 221);
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end QUIT"));
		assertThat(this.events).containsExactly("start", "EHLO 250", "MAIL 250", "RCPT 250", "RCPT 250", "DATA 354",
				"message 22 2 250", "DATA 250", "MAIL 250", "RCPT 250", "DATA 354", "message 6 1 554", "DATA 554",
				"UNKNOWN 500", "QUIT 221", "end QUIT");
		ServerStatistics statistics = this.server.server().statistics();
		assertThat(statistics.sessions()).isEqualTo(1);
		assertThat(statistics.messagesAccepted()).isEqualTo(1);
		assertThat(statistics.messagesRejected()).isEqualTo(1);
	}

	@Test
	void endsAreToldApart() throws Exception {
		this.server = TestServer.start((
				builder) -> builder.listener(this.recorder).maxUnrecognizedCommands(1).timeout(Duration.ofMillis(300)));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("FOO", 500);
			client.command("BAR", 421);
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end LIMIT"));
		try (SmtpTestClient client = this.server.connect()) {
			client.expect(421);
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end TIMEOUT"));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("NOOP", 250);
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end DISCONNECT"));
	}

	@Test
	void authTlsAndRefusedConnectionsAreReported() throws Exception {
		this.server = TestServer.start((builder) -> builder.listener(this.recorder)
			.maxConnections(1)
			.tls(TlsMode.STARTTLS, TestCertificates::serverContext)
			.authenticator((session, mechanism, credentials) -> AuthResult.failure())
			.authFailureDelay(Duration.ZERO));
		try (SmtpTestClient client = this.server.connect()) {
			try (SmtpTestClient second = new SmtpTestClient(this.server.port())) {
				second.expect(421);
			}
			client.ehlo();
			client.command("STARTTLS", 220);
			client.startTls(TestCertificates.clientContext());
			client.ehlo();
			client.command("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString("\0u\0p".getBytes()), 535);
			client.command("AUTH LOGIN", 334);
			client.command("*", 501);
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end DISCONNECT"));
		assertThat(this.events).contains("refused MAX_CONNECTIONS", "tls true", "auth PLAIN FAILURE",
				"auth LOGIN CANCELLED", "AUTH 535", "STARTTLS 220");
		assertThat(this.server.server().statistics().connectionsRefused()).isEqualTo(1);
	}

	@Test
	void liveSessionsCanBeListedAndClosed() throws Exception {
		this.server = TestServer.start((builder) -> builder.listener(this.recorder));
		try (SmtpTestClient idle = this.server.connect(); SmtpTestClient busy = this.server.connect()) {
			busy.command("EHLO busy.example", 250);
			busy.command("MAIL FROM:<a@example.com>", 250);
			List<SessionSnapshot> sessions = this.server.server().sessions();
			assertThat(sessions).hasSize(2);
			SessionSnapshot first = sessions.get(0);
			SessionSnapshot second = sessions.get(1);
			assertThat(first.state()).isEqualTo("CONNECTED");
			assertThat(first.commands()).isZero();
			assertThat(second.state()).isEqualTo("MAIL");
			assertThat(second.heloName()).isEqualTo("busy.example");
			assertThat(second.commands()).isEqualTo(2);
			assertThat(second.bytesIn()).isEqualTo("EHLO busy.example\r\nMAIL FROM:<a@example.com>\r\n".length());
			assertThat(second.peer().getAddress().isLoopbackAddress()).isTrue();
			assertThat(this.server.server().session(second.id())).get()
				.satisfies((again) -> assertThat(again.bytesIn()).isEqualTo(second.bytesIn()))
				.satisfies((again) -> assertThat(again.idleFor()).isGreaterThanOrEqualTo(second.idleFor()));

			assertThat(this.server.server().closeSession(first.id())).isTrue();
			assertThat(idle.reply().lines())
				.containsExactly("421 4.3.2 mx.test.example Session closed by administrator");
			assertThat(idle.isClosedByServer()).isTrue();
			await().untilAsserted(() -> assertThat(this.server.server().sessions()).hasSize(1));
			assertThat(this.server.server().closeSession("no-such-session")).isFalse();
		}
		await().untilAsserted(() -> assertThat(this.events).contains("end ADMIN"));
	}

	@Test
	void aSessionThatHoldsUpAGracefulStopCanBeListedAndClosed() throws Exception {
		this.server = TestServer.start((builder) -> builder.listener(this.recorder));
		SmtpServer server = this.server.server();
		try (SmtpTestClient busy = this.server.connect()) {
			busy.command("EHLO busy.example", 250);
			busy.command("MAIL FROM:<a@example.com>", 250);
			Thread stopper = new Thread(() -> server.stop(Duration.ofMinutes(1)));
			stopper.start();
			await().until(() -> !server.isRunning());
			// the transaction holds the stop up: an operator sees the session, and may
			// end it
			assertThat(server.activeConnections()).isEqualTo(1);
			List<SessionSnapshot> sessions = server.sessions();
			assertThat(sessions).singleElement().satisfies((session) -> assertThat(session.state()).isEqualTo("MAIL"));
			assertThat(server.session(sessions.get(0).id())).isPresent();
			assertThat(server.closeSession(sessions.get(0).id())).isTrue();
			assertThat(busy.reply().lines())
				.containsExactly("421 4.3.2 mx.test.example Session closed by administrator");
			stopper.join(Duration.ofSeconds(30).toMillis());
			assertThat(stopper.isAlive()).as("still stopping").isFalse();
		}
		assertThat(server.sessions()).isEmpty();
		assertThat(server.activeConnections()).isZero();
	}

}
