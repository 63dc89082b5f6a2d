package dev.smtpd.core.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
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
 * The {@link RelayHandler} in lock-step with its client, as a before-queue proxy: the
 * upstream's refusals at the client's MAIL and RCPT, the upstream transaction ending and
 * starting again with the client's, and connections the upstream closes or leaves silent.
 */
class RelayLockStepTests extends RelayTestSupport {

	@Test
	void relayAnswersWithTheUpstreamsRefusalsEachAtItsCommand() throws Exception {
		BlockingQueue<String> seen = new LinkedBlockingQueue<>();
		TestServer upstream = start(new SmtpHandler() {

			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
				return address.startsWith("blocked") ? Reply.of(550, "5.7.1", "Sender blocked") : null;
			}

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return address.startsWith("unknown") ? Reply.of(550, "5.1.1", "No such user here") : null;
			}

			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
				String text = content.asString(StandardCharsets.US_ASCII);
				seen.add(String.join(",", envelope.recipientAddresses()));
				return text.contains("spam") ? Reply.of(554, "5.7.1", "Looks like spam") : null;
			}

		});
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		assertThat(server.send("a@example.com", List.of("b@example.com"), "spam\r\n").lines())
			.containsExactly("554 5.7.1 Looks like spam");
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			assertThat(client.command("MAIL FROM:<blocked@example.com>").lines())
				.containsExactly("550 5.7.1 Sender blocked");
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<unknown@example.com>").lines())
				.containsExactly("550 5.1.1 No such user here");
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.command("RCPT TO:<unknown2@example.com>").code()).isEqualTo(550);
			client.command("RCPT TO:<c@example.com>", 250);
			seen.clear();
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		// the client was told which recipients were refused; the message went to the
		// others
		assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("b@example.com,c@example.com");
	}

	@Test
	void relayEndsTheUpstreamTransactionWhenTheClientsEndsWithoutAMessage() throws Exception {
		Upstream upstream = upstream((builder) -> {
		});
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("RSET", 250);
			assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "QUIT 221");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<c@example.com>", 250);
			client.ehlo();
			assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "QUIT 221");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<d@example.com>", 250);
		} // the client goes without QUIT
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "QUIT 221");
	}

	@Test
	void aRecipientAHandlerAfterTheRelayRefusesIsNotRelayedTo() throws Exception {
		Upstream upstream = upstream((builder) -> {
		});
		SmtpHandler refusesLate = answeringRcpt("late", Reply.of(550, "5.7.1", "Not here"));
		TestServer server = start(
				(builder) -> builder.handler(new RelayHandler("127.0.0.1", upstream.port())).handler(refusesLate));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<late@example.com>", 550); // the upstream took it
																// first
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "QUIT 221");
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "BDAT 250", "QUIT 221");
		assertThat(upstream.handler().take().recipients()).containsExactly("b@example.com");
	}

	@Test
	void underLmtpTheUpstreamsRefusalsComeAtRcptAndTheMessagesReplyForEachRecipient() throws Exception {
		TestServer upstream = start(answeringRcpt("unknown", Reply.of(550, "5.1.1", "No such user here")));
		TestServer server = start(
				(builder) -> builder.protocol(Protocol.LMTP).handler(new RelayHandler("127.0.0.1", upstream.port())));
		try (SmtpTestClient client = server.connect()) {
			client.command("LHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.command("RCPT TO:<unknown@example.com>").lines())
				.containsExactly("550 5.1.1 No such user here");
			client.command("RCPT TO:<c@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("hi\r\n.\r\n");
			assertThat(client.reply().code()).isEqualTo(250);
			assertThat(client.reply().code()).isEqualTo(250);
			assertThat(client.command("NOOP").code()).isEqualTo(250); // and no third
																		// reply
		}
	}

	@Test
	void relayStartsTheUpstreamTransactionAgainWhenAnotherHandlerAnsweredForIt() throws Exception {
		Upstream upstream = upstream((builder) -> {
		});
		SmtpHandler answersRcpt = answeringRcpt("vip", Reply.of(250, "2.1.5", "Welcome"));
		TestServer server = start(
				(builder) -> builder.handler(answersRcpt).handler(new RelayHandler("127.0.0.1", upstream.port())));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<vip@example.com>", 250); // the relay is not asked
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		// at the next RCPT the relay finds its transaction without the recipient and
		// starts again
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "QUIT 221");
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "RCPT 250", "BDAT 250",
				"QUIT 221");
		assertThat(upstream.handler().take().recipients()).containsExactly("vip@example.com", "b@example.com");
	}

	@Test
	void relayRelaysNothingWhenTheUpstreamRefusesARecipientTheClientWasToldWasTaken() throws Exception {
		Upstream upstream = upstream(
				(builder) -> builder.handler(answeringRcpt("vip", Reply.of(550, "5.1.1", "No such user here"))));
		SmtpHandler answersRcpt = answeringRcpt("vip", Reply.of(250, "2.1.5", "Welcome"));
		TestServer server = start(
				(builder) -> builder.handler(answersRcpt).handler(new RelayHandler("127.0.0.1", upstream.port())));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("RCPT TO:<vip@example.com>", 250);
			assertThat(client.data("hi\r\n").lines())
				.containsExactly("451 4.4.0 Upstream server refused a recipient; message not relayed, try again later");
		}
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "QUIT 221");
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "RCPT 550", "QUIT 221");
		assertThat(upstream.handler().pending()).isZero();
	}

	@Test
	void aMessageGoesOnANewConnectionWhenTheUpstreamClosedTheIdleOne() throws Exception {
		BlockingQueue<String> received = new LinkedBlockingQueue<>();
		FakeUpstream upstream = fakeUpstream(2, (connection, in, out) -> {
			boolean content = false;
			String line;
			while ((line = in.readLine()) != null) {
				received.add(connection + " " + line);
				if (content) {
					content = !line.equals(".");
					if (!content) {
						reply(out, "250 queued");
					}
					continue;
				}
				content = line.equals("DATA");
				reply(out, content ? "354 go ahead" : line.equals("QUIT") ? "221 bye" : "250 ok");
				if ((connection == 1 && line.startsWith("RCPT")) || line.equals("QUIT")) {
					return; // the first: an idle timeout, it closes after the client's
							// RCPT
				}
			}
		});
		// probed however briefly it was idle (by default only after a second of idleness)
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port(), Duration.ofSeconds(5),
				Duration.ofSeconds(5), Duration.ofSeconds(5), "localhost", Duration.ZERO));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			upstream.awaitClosed(1);
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		upstream.awaitClosed(2);
		assertThat(new ArrayList<>(received)).containsExactly("1 EHLO localhost", "1 MAIL FROM:<a@example.com>",
				"1 RCPT TO:<b@example.com>", "2 EHLO localhost", "2 MAIL FROM:<a@example.com>",
				"2 RCPT TO:<b@example.com>", "2 DATA", "2 hi", "2 .", "2 QUIT");
	}

	@Test
	void anUpstreamThatDoesNotAnswerRcptGetsTheClient451WithinTheCommandTimeout() throws Exception {
		FakeUpstream upstream = fakeUpstream(1, (connection, in, out) -> {
			String line;
			while ((line = in.readLine()) != null) {
				if (!line.startsWith("RCPT")) { // RCPT: never answered
					reply(out, "250 ok");
				}
			}
		});
		TestServer server = start((builder) -> builder.hookTimeout(Duration.ofSeconds(30))
			.handler(new RelayHandler("127.0.0.1", upstream.port(), Duration.ofSeconds(5), Duration.ofMillis(500),
					Duration.ofSeconds(30), "relay.test")));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			long start = System.nanoTime();
			assertThat(client.command("RCPT TO:<b@example.com>").lines())
				.containsExactly("451 4.4.2 Upstream server connection lost, try again later");
			// the command timeout (500 ms), not the read timeout (30 s) or the hook
			// timeout
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			upstream.awaitClosed(1); // the relay gave up on the connection
			client.command("RSET", 250); // and the session goes on: no hook left running
		}
	}

}
