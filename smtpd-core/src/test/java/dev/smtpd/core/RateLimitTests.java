package dev.smtpd.core;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.RateLimiter.Event;
import dev.smtpd.core.handler.RateLimiter.Limit;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.ratelimit.RateLimits;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limits over real sockets: a client that goes over one gets the temporary error of
 * its command, the hook does not run, the listeners hear of it, and the session goes on
 * (but at connect, where it is closed).
 */
@Tag("transport-independent")
class RateLimitTests {

	private static final String PASSWORD = "s3cret-Pa55";

	private final RecordingHandler handler = new RecordingHandler() {

		@Override
		public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
			RateLimitTests.this.mailHookCalls.incrementAndGet();
			return null;
		}

	};

	private final AtomicInteger mailHookCalls = new AtomicInteger();

	private final Queue<String> events = new ConcurrentLinkedQueue<>();

	private final SmtpServerListener listener = new SmtpServerListener() {

		@Override
		public void rateLimited(InetSocketAddress peer, Limit limit) {
			RateLimitTests.this.events.add(peer.getAddress().getHostAddress() + " " + limit.tag());
		}

		@Override
		public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
			RateLimitTests.this.events.add("refused " + reason);
		}

	};

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private void start(RateLimits limits, Consumer<SmtpServer.Builder> more) {
		this.server = TestServer.start((builder) -> {
			builder.handler(this.handler).listener(this.listener).rateLimits(limits);
			more.accept(builder);
		});
	}

	@Test
	void aConnectionOverTheRateIsAnswered421AndClosedBeforeTheGreeting() throws Exception {
		start(RateLimits.defaults().withConnectionsPerMinute(3), (builder) -> {
		});
		for (int i = 0; i < 3; i++) {
			try (SmtpTestClient client = this.server.connect()) {
				client.command("QUIT", 221);
			}
		}
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			SmtpTestClient.TestReply refused = client.expect(421);
			assertThat(refused.lines()).containsExactly(
					"421 4.7.0 mx.test.example Error: too many connections from your address, try again later");
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.events).containsExactly("127.0.0.1 connections", "refused RATE_LIMIT");
		assertThat(this.server.server().statistics().connectionsRefused()).isEqualTo(1);
		assertThat(this.server.server().statistics().sessions()).isEqualTo(3);
	}

	@Test
	void aMailOverTheRateIsAnswered450WithoutItsHookAndTheSessionGoesOn() throws Exception {
		start(RateLimits.defaults().withMessagesPerMinute(2), (builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			for (int i = 0; i < 2; i++) {
				client.command("MAIL FROM:<a@example.com>", 250);
				client.command("RSET", 250);
			}
			assertThat(client.command("MAIL FROM:<a@example.com>", 450).lines())
				.containsExactly("450 4.7.1 Error: too much mail, try again later");
			client.command("RCPT TO:<b@example.com>", 503);
			client.command("NOOP", 250);
		}
		assertThat(this.mailHookCalls).hasValue(2);
		assertThat(this.events).containsExactly("127.0.0.1 messages");
	}

	@Test
	void aRecipientOverTheRateIsAnswered452AndTheMessageGoesToTheOthers() throws Exception {
		start(RateLimits.defaults().withRecipientsPerMinute(3), (builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			for (int i = 1; i <= 3; i++) {
				client.command("RCPT TO:<r" + i + "@example.com>", 250);
			}
			assertThat(client.command("RCPT TO:<r4@example.com>", 452).lines())
				.containsExactly("452 4.5.3 Error: too many recipients, try again later");
			assertThat(client.data("Subject: x\r\n\r\ny\r\n").code()).isEqualTo(250);
		}
		assertThat(this.handler.take().recipients()).containsExactly("r1@example.com", "r2@example.com",
				"r3@example.com");
		assertThat(this.events).containsExactly("127.0.0.1 recipients");
	}

	@Test
	void anAuthOverTheRateIsAnswered450AndTheSessionGoesOn() throws Exception {
		start(RateLimits.defaults().withAuthAttemptsPerMinute(2), this::withAuth);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("AUTH PLAIN " + plain("alice@example.com", "wrong"), 535);
			client.command("AUTH PLAIN " + plain("alice@example.com", "wrong"), 535);
			assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 450).lines())
				.containsExactly("450 4.7.1 Error: too many AUTH commands, try again later");
			client.command("NOOP", 250);
		}
		assertThat(this.events).containsExactly("127.0.0.1 auth_attempts");
	}

	@Test
	void aLoginIsCountedAcrossSessionsAndAClientWithoutLoginIsNot() throws Exception {
		start(RateLimits.defaults().withLoginMessagesPerMinute(2), this::withAuth);
		for (int session = 0; session < 2; session++) {
			try (SmtpTestClient client = this.server.connect()) {
				client.ehlo();
				client.command("AUTH PLAIN " + plain("alice@example.com", PASSWORD), 235);
				client.command("MAIL FROM:<alice@example.com>", 250);
				client.command("RSET", 250);
				if (session == 1) {
					client.command("MAIL FROM:<alice@example.com>", 450);
				}
			}
		}
		try (SmtpTestClient anonymous = this.server.connect()) {
			anonymous.ehlo();
			for (int i = 0; i < 3; i++) {
				anonymous.command("MAIL FROM:<a@example.com>", 250);
				anonymous.command("RSET", 250);
			}
		}
		assertThat(this.events).containsExactly("127.0.0.1 login_messages");
	}

	@Test
	void aLimiterOfYourOwnDecidesAndOneThatThrowsLetsTheClientThrough() throws Exception {
		Queue<String> asked = new ConcurrentLinkedQueue<>();
		RateLimiter own = (event, address, login) -> {
			asked.add(event + " " + ((address != null) ? address.getHostAddress() : null));
			if (event == Event.RCPT) {
				throw new IllegalStateException("backend down");
			}
			return (event == Event.MAIL) ? Limit.MESSAGES : null;
		};
		start(RateLimits.defaults(), (builder) -> builder.rateLimiter(own));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 450);
		}
		assertThat(asked).containsExactly("CONNECT 127.0.0.1", "MAIL 127.0.0.1");
		this.server.close();
		this.server = TestServer.start((builder) -> builder.handler(this.handler)
			.rateLimiter((event, address, login) -> (event == Event.MAIL) ? null : failing(event)));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
		}
	}

	@Test
	void limitsThatAreAllOffSetNoLimiter() {
		SmtpServer server = SmtpServer.builder().rateLimits(RateLimits.defaults()).build();
		assertThat(server.rateLimiter()).isNull();
		assertThat(
				SmtpServer.builder().rateLimits(RateLimits.defaults().withMessagesPerMinute(1)).build().rateLimiter())
			.isNotNull();
	}

	private static @Nullable Limit failing(Event event) {
		throw new IllegalStateException("backend down for " + event);
	}

	private void withAuth(SmtpServer.Builder builder) {
		builder.authRequireTls(false)
			.authMaxFailures(0)
			.authFailureDelay(java.time.Duration.ofMillis(1))
			.authenticator((session, mechanism, credentials) -> {
				LoginPassword login = (LoginPassword) credentials;
				return login.passwordAsString().equals(PASSWORD) ? AuthResult.success(login.login())
						: AuthResult.failure();
			});
	}

	private static String plain(String login, String password) {
		return Base64.getEncoder().encodeToString(("\0" + login + "\0" + password).getBytes(StandardCharsets.UTF_8));
	}

}
