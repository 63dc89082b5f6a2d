package dev.smtpd.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.smtpd.core.auth.AuthConversation;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.AuthStep;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient.TestReply;
import dev.smtpd.core.test.ProxyHeaders;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestCertificates;
import dev.smtpd.core.test.TestServer;
import jakarta.mail.Message;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * AUTH (RFC 4954) with PLAIN, LOGIN and a custom mechanism, through raw sockets and
 * Jakarta Mail.
 */
class AuthTests {

	private static final String PASSWORD = "s3cret-Pa55";

	private final Authenticator authenticator = (session, mechanism, credentials) -> {
		LoginPassword login = (LoginPassword) credentials;
		return (login.login().equals("alice@example.com") && login.passwordAsString().equals(PASSWORD))
				? AuthResult.success(login.login()) : AuthResult.failure();
	};

	private final BlockingQueue<String> logins = new LinkedBlockingQueue<>();

	private final SmtpHandler loginRecorder = new SmtpHandler() {

		@Override
		public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
			AuthTests.this.logins.add(String.valueOf(session.login()));
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

	private void start(java.util.function.Consumer<SmtpServer.Builder> more) {
		this.server = TestServer.start((builder) -> {
			builder.authenticator(this.authenticator)
				.authRequireTls(false)
				.authFailureDelay(Duration.ofMillis(1))
				.handler(this.loginRecorder);
			more.accept(builder);
		});
	}

	private static String b64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	private static String plain(String authzid, String login, String password) {
		return b64(authzid + "\0" + login + "\0" + password);
	}

	@Test
	void plainWithInitialResponseAuthenticatesAndRecordsTheLogin() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-AUTH PLAIN LOGIN");
			TestReply reply = client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
			assertThat(reply.lines()).containsExactly("235 2.7.0 Authentication successful");
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 503);
			client.command("MAIL FROM:<alice@example.com>", 250);
			client.command("RCPT TO:<bob@example.com>", 250);
			client.data("Subject: x\r\n\r\ny\r\n");
			assertThat(this.logins.poll(10, TimeUnit.SECONDS)).isEqualTo("alice@example.com");
		}
	}

	@Test
	void plainWithoutInitialResponseGetsAnEmptyChallenge() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			TestReply challenge = client.command("AUTH PLAIN", 334);
			assertThat(challenge.lines()).containsExactly("334 ");
			client.command(plain("alice@example.com", "alice@example.com", PASSWORD), 235);
		}
	}

	@Test
	void loginAsksForUsernameThenPassword() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH LOGIN", 334).lines()).containsExactly("334 VXNlcm5hbWU6");
			assertThat(client.command(b64("alice@example.com"), 334).lines()).containsExactly("334 UGFzc3dvcmQ6");
			client.command(b64(PASSWORD), 235);
		}
	}

	@Test
	void loginWithInitialResponseSkipsTheUsernamePrompt() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH LOGIN " + b64("alice@example.com"), 334).lines())
				.containsExactly("334 UGFzc3dvcmQ6");
			client.command(b64(PASSWORD), 235);
		}
	}

	@Test
	void wrongPasswordGets535AndAnotherAttemptIsAllowed() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			TestReply reply = client.command("AUTH PLAIN " + plain("", "alice@example.com", "wrong"), 535);
			assertThat(reply.lines()).containsExactly("535 5.7.8 Authentication credentials invalid");
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
		}
	}

	@Test
	void authorizationIdentityOtherThanTheLoginIsRefused() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("bob@example.com", "alice@example.com", PASSWORD), 535);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "AUTH PLAIN not*base64", "AUTH PLAIN =", "AUTH LOGIN YWxpY2U" })
	void undecodableOrEmptyInitialResponseGets501(String command) throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command(command, 501);
			client.command("NOOP", 250);
		}
	}

	/**
	 * RFC 4954 §4 and RFC 4648: padding required, nothing outside the base alphabet, no
	 * padding inside, unused bits zero. Each path a response can take: the initial
	 * response of PLAIN and LOGIN, LOGIN's two steps, PLAIN after its empty challenge.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "YWxpY2U", "YWxpY2U=QQ==", "YWxpY2V=", "YW-_", "YWxp\tY2U", "Y" })
	void malformedBase64Gets501OnEveryPath(String malformed) throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH PLAIN " + malformed, 501).text()).isEqualTo("5.5.2 Cannot decode response");
			client.command("AUTH LOGIN " + malformed, 501);
			client.command("AUTH LOGIN", 334);
			client.command(malformed, 501);
			client.command("AUTH LOGIN", 334);
			client.command(b64("alice@example.com"), 334);
			client.command(malformed, 501);
			client.command("AUTH PLAIN", 334);
			client.command(malformed, 501);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
		}
	}

	@Test
	void starCancelsTheExchange() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH LOGIN", 334);
			client.command("*", 501);
			client.command("NOOP", 250);
			client.command("AUTH LOGIN", 334);
			client.command("!!!", 501);
			client.command("AUTH LOGIN", 334);
			client.command("YWxpY2U", 501); // "alice" without its padding
		}
	}

	@Test
	void unknownAndExcludedMechanismsGet504() throws Exception {
		start((builder) -> builder.excludeAuthMechanisms(List.of("LOGIN")));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-AUTH PLAIN");
			assertThat(client.command("AUTH LOGIN", 504).lines())
				.containsExactly("504 5.5.4 Unrecognized authentication type");
			client.command("AUTH CRAM-MD5", 504);
			client.command("AUTH", 501);
		}
	}

	@Test
	void excludingAMechanismNobodyHasFailsTheBuild() {
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> SmtpServer.builder().excludeAuthMechanisms(List.of("login", "LOGN")).build())
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("auth.exclude-mechanisms"))
			.satisfies((ex) -> assertThat(ex.value()).isEqualTo("LOGN"))
			.withMessageContaining("PLAIN, LOGIN");
	}

	@Test
	void authNeedsEhlo() throws Exception {
		start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 503);
			client.command("HELO client.example", 250);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 503);
		}
	}

	@Test
	void authRequiredGates530UntilAuthenticated() throws Exception {
		start((builder) -> builder.authRequired(true));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			TestReply refused = client.command("MAIL FROM:<alice@example.com>", 530);
			assertThat(refused.lines()).containsExactly("530 5.7.0 Authentication required");
			client.command("RCPT TO:<bob@example.com>", 530);
			client.command("DATA", 530);
			client.command("VRFY bob", 530);
			client.command("HELP", 530);
			client.command("NOOP", 250);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
			client.command("MAIL FROM:<alice@example.com>", 250);
		}
	}

	@Test
	void withRequireTlsAuthIsOfferedOnlyAfterStarttls() throws Exception {
		start((builder) -> builder.authRequireTls(true).tls(TlsMode.STARTTLS, TestCertificates::serverContext));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).noneMatch((line) -> line.contains("AUTH"));
			TestReply refused = client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 538);
			assertThat(refused.lines())
				.containsExactly("538 5.7.11 Encryption required for requested authentication mechanism");
			client.command("STARTTLS", 220);
			client.startTls(TestCertificates.clientContext());
			assertThat(client.ehlo().lines()).contains("250-AUTH PLAIN LOGIN");
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
		}
	}

	@Test
	void repeatedFailuresFromOneAddressEndIn421() throws Exception {
		start((builder) -> builder.authMaxFailures(3));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad1"), 535);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad2"), 535);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad3"), 535);
			client.expect(421);
			assertThat(client.isClosedByServer()).isTrue();
		}
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 421);
		}
	}

	@Test
	void behindAProxyFailuresCountForTheAddressTheHeaderNamed() throws Exception {
		start((builder) -> builder.authMaxFailures(3)
			.proxyProtocol(SmtpServerConfig.ProxyProtocol.defaults().withEnabled(true)));
		try (SmtpTestClient client = proxied("192.0.2.1")) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad1"), 535);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad2"), 535);
			client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad3"), 535);
			client.expect(421);
		}
		try (SmtpTestClient client = proxied("192.0.2.1")) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 421);
		}
		// the same proxy (127.0.0.1) for another client: not throttled
		try (SmtpTestClient client = proxied("192.0.2.2")) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235);
		}
	}

	private SmtpTestClient proxied(String clientAddress) throws IOException {
		SmtpTestClient client = new SmtpTestClient(this.server.port());
		client.sendRaw(ProxyHeaders.v1(clientAddress, 40000, "198.51.100.1", 25));
		client.expect(220);
		return client;
	}

	/**
	 * Failures are answered after a delay that doubles per failure from the address
	 * (lower bounds only: the server cannot answer sooner); a success is answered at
	 * once, not after the next delay.
	 */
	@Test
	void failuresAreAnsweredEverLaterButSuccessIsNot() throws Exception {
		start((builder) -> builder.authFailureDelay(Duration.ofMillis(800)).authMaxFailures(0));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			long first = timed(() -> client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad"), 535));
			long second = timed(() -> client.command("AUTH PLAIN " + plain("", "alice@example.com", "bad"), 535));
			assertThat(first).isGreaterThanOrEqualTo(800);
			assertThat(second).isGreaterThanOrEqualTo(1600);
			// the next failure would wait 3.2 s
			long success = timed(() -> client.command("AUTH PLAIN " + plain("", "alice@example.com", PASSWORD), 235));
			assertThat(success).isLessThan(3200);
		}
	}

	private static long timed(ThrowingRunnable action) throws Exception {
		long start = System.nanoTime();
		action.run();
		return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
	}

	@FunctionalInterface
	private interface ThrowingRunnable {

		void run() throws Exception;

	}

	@Test
	void customMechanismTalksThroughChallenges() throws Exception {
		AuthMechanism token = new AuthMechanism() {

			@Override
			public String name() {
				return "X-TOKEN";
			}

			@Override
			public AuthConversation start(Session session) {
				return new AuthConversation() {

					@Override
					public AuthStep first(byte @Nullable [] initialResponse) {
						return AuthStep.challenge("nonce-42".getBytes(StandardCharsets.US_ASCII));
					}

					@Override
					public AuthStep next(byte[] answer) {
						return AuthStep.done(new String(answer, StandardCharsets.US_ASCII).equals("signed-nonce-42")
								? AuthResult.success("token-user") : AuthResult.failure());
					}

				};
			}

		};
		start((builder) -> builder.authMechanism(token));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-AUTH PLAIN LOGIN X-TOKEN");
			assertThat(client.command("AUTH X-TOKEN", 334).lines()).containsExactly("334 " + b64("nonce-42"));
			client.command(b64("signed-nonce-42"), 235);
		}
	}

	@Test
	void jakartaMailAuthenticatesWithPlainAndLogin() throws Exception {
		start((builder) -> builder.authRequired(true));
		for (String mechanism : List.of("PLAIN", "LOGIN")) {
			Properties properties = new Properties();
			properties.put("mail.smtp.host", "127.0.0.1");
			properties.put("mail.smtp.port", String.valueOf(this.server.port()));
			properties.put("mail.smtp.auth", "true");
			properties.put("mail.smtp.auth.mechanisms", mechanism);
			properties.put("mail.smtp.timeout", "10000");
			jakarta.mail.Session session = jakarta.mail.Session.getInstance(properties);
			MimeMessage message = new MimeMessage(session);
			message.setFrom(new InternetAddress("alice@example.com"));
			message.setRecipients(Message.RecipientType.TO, "bob@example.org");
			message.setText("hello");
			Transport.send(message, "alice@example.com", PASSWORD);
			assertThat(this.logins.poll(10, TimeUnit.SECONDS)).isEqualTo("alice@example.com");
		}
	}

	@Test
	void secretsNeverReachTheLog() throws Exception {
		Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		Logger smtpd = (Logger) LoggerFactory.getLogger("dev.smtpd");
		Level previous = smtpd.getLevel();
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		root.addAppender(appender);
		smtpd.setLevel(Level.TRACE);
		try {
			start((builder) -> builder.authenticator((session, mechanism, credentials) -> {
				LoggerFactory.getLogger("dev.smtpd.test").info("credentials {}", credentials);
				return this.authenticator.authenticate(session, mechanism, credentials);
			}));
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH PLAIN " + plain("", "alice@example.com", "wrong-" + PASSWORD), 535);
				client.command("AUTH LOGIN", 334);
				client.command(b64("alice@example.com"), 334);
				client.command(b64(PASSWORD), 235);
			}
		}
		finally {
			root.detachAppender(appender);
			smtpd.setLevel(previous);
		}
		assertThat(appender.list).isNotEmpty();
		for (ILoggingEvent event : appender.list) {
			String text = event.getFormattedMessage() + " " + event.getThrowableProxy();
			assertThat(text).doesNotContain(PASSWORD)
				.doesNotContain(b64(PASSWORD))
				.doesNotContain(plain("", "alice@example.com", "wrong-" + PASSWORD));
		}
		assertThat(appender.list).anyMatch((event) -> event.getFormattedMessage().contains("alice@example.com"));
	}

}
