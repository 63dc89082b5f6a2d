package dev.smtpd.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthConversation;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.AuthStep;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.AuthAttempt;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * AUTH exchanges driven on the event loop (issue #13): stalled clients hold no hook
 * thread and end with the idle timeout, custom mechanisms through the step API, the
 * {@code auth} hook, and a client that leaves in the middle of an exchange.
 */
class AuthConversationTests {

	private static final String PASSWORD = "s3cret-Pa55";

	private final Authenticator authenticator = (session, mechanism, credentials) -> {
		LoginPassword login = (LoginPassword) credentials;
		return (login.login().equals("alice@example.com") && login.passwordAsString().equals(PASSWORD))
				? AuthResult.success(login.login()) : AuthResult.failure();
	};

	private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

	private final SmtpServerListener listener = new SmtpServerListener() {

		@Override
		public void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
			AuthConversationTests.this.events.add("auth " + mechanism + " " + outcome);
		}

		@Override
		public void sessionEnded(Session session, SessionEnd end, Duration duration) {
			AuthConversationTests.this.events.add("end " + end);
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
	@Timeout(30)
	void aFailureWhoseAuthHookTimedOutInTheQueueIsCountedOnce() throws Exception {
		// a mechanism that decides at once, on the event loop: only the auth hook goes to
		// the one hook thread, which another session's RCPT holds, so it times out queued
		AuthMechanism refusing = new AuthMechanism() {

			@Override
			public String name() {
				return "X-NO";
			}

			@Override
			public AuthConversation start(Session session) {
				return new AuthConversation() {

					@Override
					public AuthStep first(byte @Nullable [] initialResponse) {
						return AuthStep.done(AuthResult.failure());
					}

					@Override
					public AuthStep next(byte[] response) {
						return AuthStep.malformed();
					}

				};
			}

		};
		CountDownLatch stuck = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		start((builder) -> builder.authMechanism(refusing)
			.authMaxFailures(2)
			.hooks(SmtpServerConfig.Hooks.defaults().withThreads(1).withQueueSize(1))
			.hookTimeout(Duration.ofMillis(300))
			.handler(new SmtpHandler() {

				@Override
				public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
					stuck.countDown();
					// holds the thread past its own timeout, until the test is done with
					// it
					while (true) {
						try {
							release.await();
							return null;
						}
						catch (InterruptedException ex) {
							// ignored, as badly written code does
						}
					}
				}

				@Override
				public @Nullable Reply auth(Session session, AuthAttempt attempt) {
					return null;
				}

			}));
		try (SmtpTestClient holder = this.server.connect(); SmtpTestClient client = this.server.connect()) {
			holder.ehlo();
			holder.command("MAIL FROM:<a@example.com>", 250);
			holder.send("RCPT TO:<b@example.com>");
			assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
			client.ehlo();
			assertThat(client.command("AUTH X-NO").lines())
				.containsExactly("451 4.3.0 Requested action aborted: local error in processing");
			release.countDown();
			holder.expect(451); // its own hook timed out
			// the one thread is free again once the holder's hooks run again (451 4.3.2
			// until its abandoned hook has returned)
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> holder.command("RCPT TO:<c@example.com>").code() == 250);
			// one failure of two allowed: the next attempt is still heard
			assertThat(client.command("AUTH X-NO").code()).isEqualTo(535);
		}
	}

	private void start(Consumer<SmtpServer.Builder> more) {
		this.server = TestServer.start((builder) -> {
			builder.authenticator(this.authenticator)
				.authRequireTls(false)
				.authFailureDelay(Duration.ofMillis(1))
				.listener(this.listener);
			more.accept(builder);
		});
	}

	private static String b64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	private static String plain(String login, String password) {
		return b64("\0" + login + "\0" + password);
	}

	/**
	 * The acceptance test of issue #13: clients that stop in the middle of AUTH LOGIN
	 * hold no hook thread, so other sessions' hooks (on the default pool) keep answering
	 * at once.
	 */
	@Test
	void clientsStalledInAuthDoNotHoldUpOtherSessionsHooks() throws Exception {
		SmtpHandler everyHook = new SmtpHandler() {

			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
				return null;
			}

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return null;
			}

			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
				return null;
			}

		};
		start((builder) -> builder.handler(everyHook));
		List<SmtpTestClient> stalled = new ArrayList<>();
		ExecutorService senders = Executors.newFixedThreadPool(10);
		try {
			for (int i = 0; i < 100; i++) {
				SmtpTestClient client = this.server.connect();
				stalled.add(client);
				client.ehlo();
				client.command("AUTH LOGIN", 334);
			}
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.server.server().sessions())
					.filteredOn((session) -> session.state().equals("AUTH"))
					.hasSize(100));
			AtomicInteger delivered = new AtomicInteger();
			List<CompletableFuture<Void>> deliveries = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				deliveries.add(CompletableFuture.runAsync(() -> {
					try (SmtpTestClient client = this.server.connect()) {
						client.ehlo();
						client.command("MAIL FROM:<a@example.com>", 250);
						client.command("RCPT TO:<b@example.com>", 250);
						client.data("Subject: x\r\n\r\ny\r\n");
						client.command("QUIT", 221);
						delivered.incrementAndGet();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}, senders));
			}
			// with hook threads parked on the stalled clients this would wait for
			// smtpd.timeout (5m)
			await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == 10);
			deliveries.forEach(CompletableFuture::join);
			assertThat(this.server.server().sessions()).filteredOn((session) -> session.state().equals("AUTH"))
				.hasSize(100);
		}
		finally {
			senders.shutdownNow();
			for (SmtpTestClient client : stalled) {
				client.close();
			}
		}
	}

	@Test
	void anExchangeLeftUnansweredEndsWithTheIdleTimeoutAndCountsAsAFailure() throws Exception {
		start((builder) -> builder.timeout(Duration.ofMillis(400)).authMaxFailures(2));
		for (int i = 0; i < 2; i++) {
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH LOGIN", 334);
				assertThat(client.expect(421).lines()).singleElement()
					.asString()
					.startsWith("421 4.4.2 " + TestServer.HOSTNAME);
				assertThat(client.isClosedByServer()).isTrue();
			}
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("auth LOGIN ERROR");
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("end TIMEOUT");
		}
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 421).text())
				.contains("Too many failed authentication attempts");
		}
	}

	@Test
	void aClientThatLeavesDuringAChallengeEndsTheSessionQuietly() throws Exception {
		Logger smtpd = (Logger) LoggerFactory.getLogger("dev.smtpd");
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		smtpd.addAppender(appender);
		try {
			start((builder) -> builder.authMaxFailures(1));
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH LOGIN", 334);
				client.command(b64("alice@example.com"), 334);
			}
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("auth LOGIN ERROR");
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("end DISCONNECT");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.server.server().activeConnections() == 0);
			assertThat(this.server.server().sessions()).isEmpty();
			// leaving is not a failed attempt
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 235);
			}
		}
		finally {
			smtpd.detachAppender(appender);
		}
		assertThat(appender.list).noneMatch((event) -> event.getLevel().isGreaterOrEqual(Level.WARN))
			.noneMatch((event) -> event.getThrowableProxy() != null);
	}

	@Test
	void aSessionClosedWhileTheAuthenticatorRunsStillEndsTheExchangeForTheListeners() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		start((builder) -> builder.authenticator((session, mechanism, credentials) -> {
			entered.countDown();
			release.await(10, TimeUnit.SECONDS);
			return AuthResult.success("alice@example.com");
		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.send("AUTH PLAIN " + plain("alice@example.com", PASSWORD));
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			String id = this.server.server().sessions().get(0).id();
			assertThat(this.server.server().closeSession(id)).isTrue();
			assertThat(client.expect(421).text()).contains("closed by administrator");
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("end ADMIN");
			release.countDown();
			// the decision came back to a closed session: reported once, as an error
			assertThat(this.events.poll(10, TimeUnit.SECONDS)).isEqualTo("auth PLAIN ERROR");
		}
	}

	/**
	 * A mechanism with two challenges, and a final server message after the
	 * authenticator's decision (as SCRAM sends its server signature): the client answers
	 * it with an empty line.
	 */
	@Test
	void customMechanismWithTwoChallengesAndAFinalMessage() throws Exception {
		AuthMechanism twoStep = new AuthMechanism() {

			@Override
			public String name() {
				return "X-TWO-STEP";
			}

			@Override
			public AuthConversation start(Session session) {
				return new AuthConversation() {

					private @Nullable String login;

					private boolean verified;

					@Override
					public AuthStep first(byte @Nullable [] initialResponse) {
						return (initialResponse != null) ? AuthStep.malformed() : AuthStep.challenge(bytes("who?"));
					}

					@Override
					public AuthStep next(byte[] response) {
						if (this.verified) {
							return (response.length == 0) ? AuthStep.done(AuthResult.success(this.login))
									: AuthStep.malformed();
						}
						if (this.login == null) {
							this.login = new String(response, StandardCharsets.UTF_8);
							return AuthStep.challenge(bytes("secret?"));
						}
						return AuthStep.authenticate(new LoginPassword(this.login, response));
					}

					@Override
					public AuthStep checked(AuthResult result) {
						if (!result.success()) {
							return AuthStep.done(result);
						}
						this.verified = true;
						return AuthStep.challenge(bytes("server-signature"));
					}

				};
			}

		};
		start((builder) -> builder.authMechanism(twoStep));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-AUTH PLAIN LOGIN X-TWO-STEP");
			client.command("AUTH X-TWO-STEP " + b64("early"), 501);
			assertThat(client.command("AUTH X-TWO-STEP", 334).text()).isEqualTo(b64("who?"));
			assertThat(client.command(b64("alice@example.com"), 334).text()).isEqualTo(b64("secret?"));
			client.command(b64("wrong"), 535);
			client.command("AUTH X-TWO-STEP", 334);
			client.command(b64("alice@example.com"), 334);
			assertThat(client.command(b64(PASSWORD), 334).text()).isEqualTo(b64("server-signature"));
			client.command("", 235);
		}
		assertThat(this.events).contains("auth X-TWO-STEP CANCELLED", "auth X-TWO-STEP FAILURE",
				"auth X-TWO-STEP SUCCESS");
	}

	@Test
	void authHookSeesEachOutcomeWithMechanismAndIdentity() throws Exception {
		List<AuthAttempt> attempts = new CopyOnWriteArrayList<>();
		start((builder) -> builder.handler(new SmtpHandler() {

			@Override
			public @Nullable Reply auth(Session session, AuthAttempt attempt) {
				assertThat(session.isAuthenticated()).isFalse();
				attempts.add(attempt);
				return null;
			}

		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("alice@example.com", "wrong"), 535);
			client.command("AUTH LOGIN", 334);
			client.command(b64("alice@example.com"), 334);
			client.command(b64(PASSWORD), 235);
		}
		assertThat(attempts).containsExactly(new AuthAttempt("PLAIN", false, null, Reply.AUTH_FAILED), new AuthAttempt(
				"LOGIN", true, "alice@example.com", Reply.of(235, "2.7.0", "Authentication successful")));
	}

	@Test
	void aNegativeHookReplyRefusesASuccessAndCountsAsAFailure() throws Exception {
		Reply notToday = Reply.of(535, "5.7.8", "Not from here");
		start((builder) -> builder.authRequired(true).authMaxFailures(2).handler(new SmtpHandler() {

			@Override
			public @Nullable Reply auth(Session session, AuthAttempt attempt) {
				return attempt.success() ? notToday : null;
			}

		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 535).lines())
				.containsExactly("535 5.7.8 Not from here");
			client.command("MAIL FROM:<alice@example.com>", 530);
			client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 535);
			client.expect(421);
		}
		assertThat(this.events).contains("auth PLAIN FAILURE").doesNotContain("auth PLAIN SUCCESS");
	}

	@Test
	void aHookReplyReplacesAFailuresReplyButCannotTurnItIntoASuccess() throws Exception {
		Reply tryLater = Reply.of(454, "4.7.0", "Try again later");
		AtomicInteger calls = new AtomicInteger();
		start((builder) -> builder.handler(new SmtpHandler() {

			@Override
			public @Nullable Reply auth(Session session, AuthAttempt attempt) {
				return (calls.incrementAndGet() == 1) ? tryLater : Reply.of(235, "2.7.0", "Welcome anyway");
			}

		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", "wrong"), 454).lines())
				.containsExactly("454 4.7.0 Try again later");
			assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", "wrong"), 535).lines())
				.containsExactly("535 5.7.8 Authentication credentials invalid");
			client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 235);
		}
	}

	@Test
	void aMechanismThatThrowsGets454WithoutLoggingWhatTheClientSent() throws Exception {
		AuthMechanism broken = new AuthMechanism() {

			@Override
			public String name() {
				return "X-BROKEN";
			}

			@Override
			public AuthConversation start(Session session) {
				return new AuthConversation() {

					@Override
					public AuthStep first(byte @Nullable [] initialResponse) {
						return AuthStep.challenge(new byte[0]);
					}

					@Override
					public AuthStep next(byte[] response) {
						throw new IllegalArgumentException("bad " + new String(response, StandardCharsets.UTF_8));
					}

				};
			}

		};
		Logger smtpd = (Logger) LoggerFactory.getLogger("dev.smtpd");
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		smtpd.addAppender(appender);
		try {
			start((builder) -> builder.authMechanism(broken));
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH X-BROKEN", 334);
				assertThat(client.command(b64(PASSWORD), 454).lines())
					.containsExactly("454 4.7.0 Temporary authentication failure");
				client.command("NOOP", 250);
			}
		}
		finally {
			smtpd.detachAppender(appender);
		}
		assertThat(this.events).contains("auth X-BROKEN ERROR");
		assertThat(appender.list).anyMatch((event) -> event.getLevel() == Level.WARN)
			.allSatisfy((event) -> assertThat(event.getFormattedMessage() + " " + event.getThrowableProxy())
				.doesNotContain(PASSWORD));
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
