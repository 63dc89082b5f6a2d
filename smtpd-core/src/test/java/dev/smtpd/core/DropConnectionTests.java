package dev.smtpd.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.DropConnectionException;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DropConnectionException} and the {@code dataStart} hook over a real socket: the
 * client sees the connection go away at the point the handler chose, with no reply.
 */
class DropConnectionTests {

	private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();

	private final SmtpServerListener listener = new SmtpServerListener() {

		@Override
		public void sessionEnded(Session session, SessionEnd end, Duration duration) {
			DropConnectionTests.this.ended.complete(end);
		}

	};

	private TestServer start(SmtpHandler handler) {
		return TestServer.start((builder) -> builder.handler(handler).listener(this.listener));
	}

	private static void transaction(SmtpTestClient client) throws Exception {
		client.command("EHLO client.example", 250);
		client.command("MAIL FROM:<a@example.com>", 250);
		client.command("RCPT TO:<b@example.com>", 250);
	}

	@Test
	void whenDataHookDropsThenTheFinalDotGetsNoReply() throws Exception {
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
				throw new DropConnectionException();
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			transaction(client);
			client.command("DATA", 354);
			client.sendRaw("Subject: x\r\n\r\nbody\r\n.\r\n");
			assertThat(client.isClosedByServer()).isTrue();
			assertThat(this.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SessionEnd.DROPPED);
		}
	}

	@Test
	void whenRcptHookDropsThenRcptGetsNoReply() throws Exception {
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				throw new DropConnectionException();
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.send("RCPT TO:<b@example.com>");
			assertThat(client.isClosedByServer()).isTrue();
			assertThat(this.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SessionEnd.DROPPED);
		}
	}

	@Test
	void whenADroppedCommandWasPipelinedThenTheRepliesBeforeItStillArrive() throws Exception {
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				if (address.startsWith("drop")) {
					throw new DropConnectionException();
				}
				return null;
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.sendRaw("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<drop@example.com>\r\n");
			client.expect(250);
			client.expect(250);
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void whenDataStartDropsThenTheClientGets354AndThenLosesTheConnection() throws Exception {
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply dataStart(Session session, Envelope envelope) {
				throw new DropConnectionException();
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			transaction(client);
			client.command("DATA", 354);
			assertThat(client.isClosedByServer()).isTrue();
			assertThat(this.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SessionEnd.DROPPED);
		}
	}

	@Test
	void whenDataStartDropsAfterSomeOctetsThenTheConnectionClosesMidData() throws Exception {
		java.util.concurrent.atomic.AtomicInteger messages = new java.util.concurrent.atomic.AtomicInteger();
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply dataStart(Session session, Envelope envelope) {
				throw new DropConnectionException(100);
			}

			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
				messages.incrementAndGet();
				return null;
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			transaction(client);
			client.command("DATA", 354);
			client.sendRaw("Subject: x\r\n\r\n" + "a".repeat(60) + "\r\n");
			client.sendRaw("b".repeat(60) + "\r\n");
			assertThat(client.isClosedByServer()).isTrue();
			assertThat(this.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SessionEnd.DROPPED);
		}
		assertThat(messages).hasValue(0);
	}

	@Test
	void whenTheMessageEndsBeforeTheDropThenItIsReceivedAsUsual() throws Exception {
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public @Nullable Reply dataStart(Session session, Envelope envelope) {
				throw new DropConnectionException(10_000);
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			transaction(client);
			assertThat(client.data("Subject: short\r\n\r\nbody\r\n").code()).isEqualTo(250);
			client.command("QUIT", 221);
		}
	}

	@Test
	void whenDataStartRefusesThenDataIsAnsweredWithTheRefusalAndTheEnvelopeStays() throws Exception {
		SmtpHandler handler = new SmtpHandler() {

			private int calls;

			@Override
			public @Nullable Reply dataStart(Session session, Envelope envelope) {
				assertThat(envelope.recipientAddresses()).containsExactly("b@example.com");
				return (this.calls++ == 0) ? Reply.of(451, "4.3.0", "Try again") : null;
			}
		};
		try (TestServer server = start(handler); SmtpTestClient client = server.connect()) {
			transaction(client);
			assertThat(client.command("DATA", 451).text()).isEqualTo("4.3.0 Try again");
			assertThat(client.data("Subject: x\r\n\r\nbody\r\n").code()).isEqualTo(250);
		}
	}

}
