package dev.smtpd.core;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.handler.TlsInfo;
import dev.smtpd.core.test.SmtpTestClient.TestReply;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestCertificates;
import dev.smtpd.core.test.TestServer;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import jakarta.mail.Message;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * STARTTLS (RFC 3207) and implicit TLS with real clients: raw sockets upgraded with
 * {@code SSLSocket}, and Jakarta Mail.
 */
class TlsTests {

	private final BlockingQueue<TlsInfo> seen = new LinkedBlockingQueue<>();

	private final SmtpHandler tlsRecorder = new SmtpHandler() {

		@Override
		public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
			TlsInfo tls = session.tls();
			if (tls != null) {
				TlsTests.this.seen.add(tls);
			}
			return null;
		}

	};

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private void startServer(TlsMode mode, boolean requireStarttls) {
		// generous: a handshake on a loaded machine may take well over a second
		startServer(mode, requireStarttls, Duration.ofSeconds(10));
	}

	private void startServer(TlsMode mode, boolean requireStarttls, Duration handshakeTimeout) {
		this.server = TestServer.start((builder) -> builder.tls(mode, TestCertificates::serverContext)
			.requireStarttls(requireStarttls)
			.tlsHandshakeTimeout(handshakeTimeout)
			.handler(this.tlsRecorder));
	}

	@Test
	void starttlsIsAdvertisedOnlyBeforeTlsAndTheSessionStartsOver() throws Exception {
		startServer(TlsMode.STARTTLS, false);
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-STARTTLS");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("STARTTLS", 220);
			SSLSession tls = client.startTls(TestCertificates.clientContext());
			// RFC 3207 §4.2: the envelope and the greeting are forgotten
			client.command("RCPT TO:<b@example.com>", 503);
			client.command("MAIL FROM:<a@example.com>", 503);
			TestReply ehlo = client.ehlo();
			assertThat(ehlo.lines()).noneMatch((line) -> line.contains("STARTTLS"));
			client.command("STARTTLS", 503);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.data("Subject: over TLS\r\n\r\nhi\r\n");
			TlsInfo info = this.seen.poll(10, TimeUnit.SECONDS);
			assertThat(info).isNotNull();
			assertThat(info.protocol()).isEqualTo(tls.getProtocol());
			assertThat(info.cipherSuite()).isEqualTo(tls.getCipherSuite());
			assertThat(info.peerCertificates()).isEmpty();
		}
	}

	/**
	 * After STARTTLS the client speaks first. A server that sends nothing once the
	 * client's {@code Finished} arrives leaves that segment to the delayed ACK, and a
	 * client with Nagle's algorithm on (as MTAs are) holds its {@code EHLO} until then,
	 * on every session (docs/performance.md). BoringSSL keeps its TLS 1.3 session tickets
	 * until the server's first write unless asked to send them.
	 */
	@ParameterizedTest
	@EnumSource(value = SslProvider.class, names = { "JDK", "OPENSSL" })
	void afterAStarttlsHandshakeTheServerSendsItsTicketsWithoutWaitingForACommand(SslProvider provider)
			throws Exception {
		assertThat(OpenSsl.isAvailable()).as("netty-tcnative on the test class path").isTrue();
		this.server = TestServer
			.start((builder) -> builder.tls(TlsMode.STARTTLS, () -> TestCertificates.serverContext(provider)));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("STARTTLS", 220);
			Socket plain = client.socket();
			plain.setTcpNoDelay(true);
			SSLSession tls = client.startTls(TestCertificates.clientContext());
			assertThat(tls.getProtocol()).isEqualTo("TLSv1.3");
			// bytes from the server, with nothing sent after the handshake
			await().atMost(Duration.ofSeconds(10)).until(() -> plain.getInputStream().available() > 0);
			assertThat(client.ehlo().code()).isEqualTo(250);
		}
	}

	@Test
	void commandsPipelinedBehindStarttlsAreDroppedNotRunAfterTheHandshake() throws Exception {
		startServer(TlsMode.STARTTLS, false);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.sendRaw("STARTTLS\r\nEHLO evil.example\r\nMAIL FROM:<evil@example.com>\r\n");
			client.expect(220);
			client.startTls(TestCertificates.clientContext());
			// had the plaintext commands run inside TLS, their replies (250, 250) would
			// come first
			client.command("RCPT TO:<b@example.com>", 503);
			client.command("MAIL FROM:<a@example.com>", 503);
		}
	}

	@Test
	void helpListsStarttlsAndAuthWhenOffered() throws Exception {
		this.server = TestServer.start((builder) -> builder.tls(TlsMode.STARTTLS, TestCertificates::serverContext)
			.authenticator((session, mechanism, credentials) -> dev.smtpd.core.auth.AuthResult.failure()));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("HELP", 214).text()).contains(" AUTH ", " STARTTLS ");
			assertThat(client.command("HELP starttls", 214).text()).isEqualTo("2.0.0 Syntax: STARTTLS");
		}
	}

	@Test
	void starttlsNeedsEhloAndTakesNoArgument() throws Exception {
		startServer(TlsMode.STARTTLS, false);
		try (SmtpTestClient client = this.server.connect()) {
			client.command("STARTTLS", 503);
			client.ehlo();
			client.command("STARTTLS now", 501);
		}
	}

	@Test
	void tlsThatCannotStartGets454AndTheSessionGoesOn() throws Exception {
		this.server = TestServer.start((builder) -> builder.tls(TlsMode.STARTTLS, () -> {
			throw new IllegalStateException("no certificate today");
		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			TestReply reply = client.command("STARTTLS", 454);
			assertThat(reply.lines()).containsExactly("454 4.7.0 TLS not available due to temporary reason");
			client.command("NOOP", 250);
		}
	}

	@Test
	void starttlsWithoutTlsConfiguredIsUnknown() throws Exception {
		this.server = TestServer.start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).noneMatch((line) -> line.contains("STARTTLS"));
			client.command("STARTTLS", 500);
		}
	}

	@Test
	void requireStarttlsAllowsOnlyEhloNoopStarttlsAndQuitBeforeTls() throws Exception {
		startServer(TlsMode.STARTTLS, true);
		try (SmtpTestClient client = this.server.connect()) {
			// RFC 3207 §4: HELO and RSET are not among the commands allowed before TLS
			client.command("HELO client.example", 530);
			client.ehlo();
			client.command("NOOP", 250);
			client.command("RSET", 530);
			TestReply refused = client.command("MAIL FROM:<a@example.com>", 530);
			assertThat(refused.lines()).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
			client.command("VRFY a", 530);
			client.command("HELP", 530);
			client.command("STARTTLS", 220);
			client.startTls(TestCertificates.clientContext());
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("QUIT", 221);
		}
	}

	@Test
	void implicitTlsGreetsAfterTheHandshakeAndDoesNotOfferStarttls() throws Exception {
		startServer(TlsMode.IMPLICIT, false);
		try (SmtpTestClient client = SmtpTestClient.connectTls(this.server.port(), TestCertificates.clientContext())) {
			assertThat(client.ehlo().lines()).noneMatch((line) -> line.contains("STARTTLS"));
			client.command("STARTTLS", 503);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.data("Subject: smtps\r\n\r\nhi\r\n");
			assertThat(this.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
		}
	}

	@Test
	void plaintextClientOnTheImplicitTlsPortIsClosedWithoutAGreeting() throws Exception {
		startServer(TlsMode.IMPLICIT, false);
		try (Socket socket = new Socket("127.0.0.1", this.server.port())) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write("EHLO plain.example\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] received = socket.getInputStream().readAllBytes();
			assertThat(new String(received, StandardCharsets.ISO_8859_1)).doesNotContain("220");
		}
	}

	@Test
	void handshakeThatNeverStartsIsCutOff() throws Exception {
		startServer(TlsMode.IMPLICIT, false, Duration.ofMillis(500));
		try (Socket socket = new Socket("127.0.0.1", this.server.port())) {
			socket.setSoTimeout(10_000);
			// says nothing: the 500 ms handshake timeout closes the connection, well
			// before the read timeout
			assertThat(socket.getInputStream().read()).isEqualTo(-1);
		}
	}

	@Test
	void jakartaMailWithStarttlsRequiredAndWithImplicitTls() throws Exception {
		startServer(TlsMode.STARTTLS, true);
		Properties properties = mailProperties();
		properties.put("mail.smtp.starttls.enable", "true");
		properties.put("mail.smtp.starttls.required", "true");
		send(properties, "smtp");
		assertThat(this.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
		this.server.close();

		startServer(TlsMode.IMPLICIT, false);
		Properties smtps = mailProperties();
		smtps.put("mail.smtp.ssl.enable", "true");
		send(smtps, "smtp");
		assertThat(this.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
	}

	private Properties mailProperties() {
		Properties properties = new Properties();
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(this.server.port()));
		properties.put("mail.smtp.timeout", "10000");
		properties.put("mail.smtp.ssl.socketFactory", TestCertificates.clientContext().getSocketFactory());
		return properties;
	}

	private void send(Properties properties, String protocol) throws Exception {
		jakarta.mail.Session session = jakarta.mail.Session.getInstance(properties);
		MimeMessage message = new MimeMessage(session);
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, "bob@example.org");
		message.setSubject("TLS");
		message.setText("over TLS\n");
		try (Transport transport = session.getTransport(protocol)) {
			transport.connect();
			transport.sendMessage(message, message.getAllRecipients());
		}
		assertThat(new MimeMessage(session, new ByteArrayInputStream("x".getBytes())).getSize()).isNotNull();
	}

	@Test
	void starttlsHookRefusalIsSentOverTlsAndCloses() throws Exception {
		this.server = TestServer.start(
				(builder) -> builder.tls(TlsMode.STARTTLS, TestCertificates::serverContext).handler(new SmtpHandler() {
					@Override
					public @Nullable Reply starttls(Session session, TlsInfo tls) {
						// RFC 3207 §4.2: the plaintext greeting is forgotten before this
						// hook
						String greeting = (session.heloName() != null) ? "remembered" : "forgotten";
						return tls.peerCertificates().isEmpty()
								? Reply.of(554, "5.7.1",
										"Client certificate required with " + tls.protocol() + ", greeting " + greeting)
								: null;
					}
				}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("STARTTLS", 220);
			SSLSession tls = client.startTls(TestCertificates.clientContext());
			assertThat(client.expect(554).lines()).containsExactly(
					"554 5.7.1 Client certificate required with " + tls.getProtocol() + ", greeting forgotten");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void implicitTlsRunsTheStarttlsHookThenTheConnectHookBeforeTheGreeting() throws Exception {
		BlockingQueue<String> calls = new LinkedBlockingQueue<>();
		this.server = TestServer.start(
				(builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext).handler(new SmtpHandler() {
					@Override
					public @Nullable Reply starttls(Session session, TlsInfo tls) {
						calls.add("starttls " + tls.protocol());
						return null;
					}

					@Override
					public @Nullable Reply connect(Session session) {
						calls.add("connect " + ((session.tls() != null) ? session.tls().protocol() : "plain"));
						return null;
					}
				}));
		try (SmtpTestClient client = SmtpTestClient.connectTls(this.server.port(), TestCertificates.clientContext())) {
			client.command("EHLO client.example", 250);
			String protocol = ((javax.net.ssl.SSLSocket) client.socket()).getSession().getProtocol();
			assertThat(calls).containsExactly("starttls " + protocol, "connect " + protocol);
		}
	}

}
