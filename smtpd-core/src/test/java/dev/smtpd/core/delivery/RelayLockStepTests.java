package dev.smtpd.core.delivery;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
		try (ServerSocket upstream = new ServerSocket(0, 2, java.net.InetAddress.getLoopbackAddress())) {
			BlockingQueue<String> received = new LinkedBlockingQueue<>();
			CountDownLatch firstClosed = new CountDownLatch(1);
			ExecutorService executor = Executors.newSingleThreadExecutor();
			Future<?> fake = executor.submit(() -> {
				for (int connection = 1; connection <= 2; connection++) {
					try (java.net.Socket socket = upstream.accept()) {
						java.io.BufferedReader in = new java.io.BufferedReader(
								new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
						java.io.OutputStream out = socket.getOutputStream();
						out.write("220 upstream\r\n".getBytes(StandardCharsets.US_ASCII));
						String line;
						while ((line = in.readLine()) != null) {
							received.add(connection + " " + line);
							String reply = switch (line.split(" ")[0]) {
								case "DATA" -> "354 go ahead";
								case "QUIT" -> "221 bye";
								default -> "250 ok";
							};
							out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
							if (connection == 1 && line.startsWith("RCPT")) {
								break; // an idle timeout: it closes after the client's
										// RCPT
							}
							if (line.equals("QUIT")) {
								break;
							}
						}
					}
					firstClosed.countDown();
				}
				return null;
			});
			try {
				TestServer server = start(new RelayHandler("127.0.0.1", upstream.getLocalPort()));
				try (SmtpTestClient client = server.connect()) {
					client.ehlo();
					client.command("MAIL FROM:<a@example.com>", 250);
					client.command("RCPT TO:<b@example.com>", 250);
					assertThat(firstClosed.await(10, TimeUnit.SECONDS)).isTrue();
					assertThat(client.data("hi\r\n").code()).isEqualTo(250);
				}
				fake.get(10, TimeUnit.SECONDS);
				List<String> lines = new ArrayList<>(received);
				assertThat(lines).containsExactly("1 EHLO localhost", "1 MAIL FROM:<a@example.com>",
						"1 RCPT TO:<b@example.com>", "2 EHLO localhost", "2 MAIL FROM:<a@example.com>",
						"2 RCPT TO:<b@example.com>", "2 DATA", "2 hi", "2 .", "2 QUIT");
			}
			finally {
				fake.cancel(true);
				executor.shutdownNow();
			}
		}
	}

	@Test
	void anUpstreamThatDoesNotAnswerRcptGetsTheClient451WithinTheCommandTimeout() throws Exception {
		try (ServerSocket upstream = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			CountDownLatch closed = new CountDownLatch(1);
			ExecutorService executor = Executors.newSingleThreadExecutor();
			Future<?> fake = executor.submit(() -> {
				try (java.net.Socket socket = upstream.accept()) {
					java.io.BufferedReader in = new java.io.BufferedReader(
							new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
					java.io.OutputStream out = socket.getOutputStream();
					out.write("220 upstream\r\n".getBytes(StandardCharsets.US_ASCII));
					String line;
					while ((line = in.readLine()) != null) {
						if (!line.startsWith("RCPT")) { // RCPT: never answered
							out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
						}
					}
					closed.countDown(); // the relay gave up on the connection
				}
				return null;
			});
			try {
				TestServer server = start((builder) -> builder.hookTimeout(Duration.ofSeconds(30))
					.handler(new RelayHandler("127.0.0.1", upstream.getLocalPort(), Duration.ofSeconds(5),
							Duration.ofMillis(500), Duration.ofSeconds(30), "relay.test")));
				try (SmtpTestClient client = server.connect()) {
					client.ehlo();
					client.command("MAIL FROM:<a@example.com>", 250);
					assertThat(client.command("RCPT TO:<b@example.com>").lines())
						.containsExactly("451 4.4.2 Upstream server connection lost, try again later");
					assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
					client.command("RSET", 250); // the session goes on: no hook left
													// running
				}
			}
			finally {
				fake.cancel(true);
				executor.shutdownNow();
			}
		}
	}

}
