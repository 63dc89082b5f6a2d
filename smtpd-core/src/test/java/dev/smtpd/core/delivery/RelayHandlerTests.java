package dev.smtpd.core.delivery;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent.Transfer;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.RecordingHandler.Delivery;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in {@link RelayHandler} between a real client and a real upstream (another
 * server of this project, with CHUNKING, BINARYMIME and DSN on or off, or a fake that
 * stops reading): what the upstream received (its command log, how the message arrived,
 * the bytes) and what the client is answered.
 */
class RelayHandlerTests extends RelayTestSupport {

	@Test
	void relaySendsOneBdatToAnUpstreamThatOffersChunking() throws Exception {
		Upstream upstream = upstream((builder) -> {
		});
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		assertThat(server.send("a@example.com", List.of("b@example.com", "c@example.com"), STUFFED).code())
			.isEqualTo(250);
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "RCPT 250", "BDAT 250",
				"QUIT 221");
		Delivery delivery = upstream.handler().take();
		assertThat(delivery.mailFrom()).isEqualTo("a@example.com");
		assertThat(delivery.recipients()).containsExactly("b@example.com", "c@example.com");
		assertThat(delivery.transfer()).isEqualTo(Transfer.BDAT);
		assertThat(delivery.text()).isEqualTo(MESSAGE);
	}

	@Test
	void relayUsesDataWithDotStuffingWhenTheUpstreamDoesNotOfferChunking() throws Exception {
		Upstream upstream = upstream((builder) -> builder.chunking(false));
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			// in with BDAT, lines that start with a dot and all: out with DATA, stuffed
			client.sendRaw("BDAT " + MESSAGE.length() + " LAST\r\n" + MESSAGE);
			assertThat(client.reply().code()).isEqualTo(250);
		}
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "DATA 354", "DATA 250",
				"QUIT 221");
		Delivery delivery = upstream.handler().take();
		assertThat(delivery.transfer()).isEqualTo(Transfer.DATA);
		assertThat(delivery.text()).isEqualTo(MESSAGE);
	}

	@Test
	void aBareLineEndInTheMessageNeverEndsItUpstream() throws Exception {
		// an upstream that takes a bare LF for a line end (as many do): "<LF>.<CRLF>"
		// must not end the message there and make the rest commands (SMTP smuggling)
		BlockingQueue<String> commands = new LinkedBlockingQueue<>();
		BlockingQueue<String> message = new LinkedBlockingQueue<>();
		FakeUpstream upstream = fakeUpstream(1, lineByLine(commands, message, "250 queued"));
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port(), Duration.ofSeconds(5),
				Duration.ofSeconds(5), Duration.ofSeconds(5), "localhost"));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client
				.data("Subject: t\r\n\r\nhi\n.\r\nMAIL FROM:<evil@example.com>\r\n"
						+ "RCPT TO:<victim@example.com>\r\nDATA\r\nthere\r.\r\nsmuggled\r\n")
				.code()).isEqualTo(250);
		}
		upstream.awaitClosed(1);
		assertThat(commands).containsExactly("EHLO localhost", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>",
				"DATA", "QUIT");
		// every line end went as CRLF, and the dots at the new line starts were doubled
		assertThat(message).containsExactly("Subject: t", "", "hi", "..", "MAIL FROM:<evil@example.com>",
				"RCPT TO:<victim@example.com>", "DATA", "there", "..", "smuggled");
	}

	@Test
	void aThreeHundredReplyToTheMessageIsNoAcceptance() throws Exception {
		FakeUpstream upstream = fakeUpstream(1,
				lineByLine(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>(), "354 what?"));
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port(), Duration.ofSeconds(5),
				Duration.ofSeconds(5), Duration.ofSeconds(5), "localhost"));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("hi\r\n").lines())
				.containsExactly("451 4.4.0 Unexpected reply from upstream server");
		}
	}

	/**
	 * An upstream that reads line by line, as a lenient one does (a bare LF or CR ends a
	 * line too), takes every command and answers the message's final dot with
	 * {@code endOfData}.
	 * @param commands where the commands it reads go
	 * @param message where the message's lines go, as they came (still dot-stuffed)
	 */
	private static Conversation lineByLine(BlockingQueue<String> commands, BlockingQueue<String> message,
			String endOfData) {
		return (connection, in, out) -> {
			boolean content = false;
			String line;
			while ((line = in.readLine()) != null) {
				if (content) {
					content = !line.equals(".");
					if (content) {
						message.add(line);
					}
					else {
						reply(out, endOfData);
					}
					continue;
				}
				commands.add(line);
				content = line.equals("DATA");
				reply(out, content ? "354 go ahead" : line.equals("QUIT") ? "221 bye" : "250 ok");
				if (line.equals("QUIT")) {
					return;
				}
			}
		};
	}

	@Test
	void relayPassesBinarymimeToAnUpstreamThatAcceptsIt() throws Exception {
		Upstream upstream = upstream((builder) -> builder.binarymime(true));
		TestServer server = start(
				(builder) -> builder.binarymime(true).handler(new RelayHandler("127.0.0.1", upstream.port())));
		byte[] binary = { 'H', ':', ' ', 'x', '\r', '\n', '\r', '\n', 0, '.', '\r', (byte) 0xff, '\n', '.', '\r',
				'\n' };
		assertThat(sendBinary(server, binary).code()).isEqualTo(250);
		assertThat(upstream.session()).containsExactly("EHLO 250", "MAIL 250", "RCPT 250", "BDAT 250", "QUIT 221");
		Delivery delivery = upstream.handler().take();
		assertThat(delivery.options().body()).isEqualTo(BodyType.BINARYMIME);
		assertThat(delivery.bodyType()).isEqualTo(BodyType.BINARYMIME);
		assertThat(delivery.transfer()).isEqualTo(Transfer.BDAT);
		assertThat(delivery.content()).isEqualTo(binary);
	}

	@Test
	void relayRefusesBinarymimeAtMailWhenTheUpstreamDoesNotAcceptIt() throws Exception {
		for (Consumer<SmtpServer.Builder> upstreamSettings : List.<Consumer<SmtpServer.Builder>>of(
				(builder) -> builder.binarymime(false), (builder) -> builder.chunking(false))) {
			Upstream upstream = upstream(upstreamSettings);
			TestServer server = start(
					(builder) -> builder.binarymime(true).handler(new RelayHandler("127.0.0.1", upstream.port())));
			try (SmtpTestClient client = server.connect()) {
				client.ehlo();
				assertThat(client.command("MAIL FROM:<a@example.com> BODY=BINARYMIME").lines())
					.containsExactly("554 5.6.3 Upstream server does not accept BINARYMIME; message not relayed");
			}
			assertThat(upstream.session()).containsExactly("EHLO 250", "QUIT 221");
			assertThat(upstream.handler().pending()).isZero();
		}
	}

	private static SmtpTestClient.TestReply sendBinary(TestServer server, byte[] content) throws Exception {
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com> BODY=BINARYMIME", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.sendRaw(("BDAT " + content.length + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
			client.sendRaw(content);
			return client.reply();
		}
	}

	@Test
	void relayPassesDsnParametersToAnUpstreamThatOffersDsn() throws Exception {
		BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
		TestServer upstream = start(dsnRecorder(seen));
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com> RET=HDRS ENVID=id+2B1+3D2", 250);
			client.command("RCPT TO:<b@example.com> NOTIFY=FAILURE,SUCCESS ORCPT=rfc822;+22b+20c+22@example.com", 250);
			client.command("RCPT TO:<c@example.com> NOTIFY=NEVER ORCPT=utf-8;j\\x{F6}rg+2B@example.com", 250);
			client.command("RCPT TO:<d@example.com>", 250);
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		MailOptions mail = (MailOptions) seen.poll(10, TimeUnit.SECONDS);
		assertThat(mail.ret()).isEqualTo(DsnReturn.HDRS);
		assertThat(mail.envelopeId()).isEqualTo("id+1=2");
		RcptOptions b = (RcptOptions) seen.poll(10, TimeUnit.SECONDS);
		assertThat(b.notifyOn()).containsExactly(DsnNotify.SUCCESS, DsnNotify.FAILURE);
		assertThat(b.originalRecipient()).isEqualTo(new OriginalRecipient("rfc822", "\"b c\"@example.com"));
		RcptOptions c = (RcptOptions) seen.poll(10, TimeUnit.SECONDS);
		assertThat(c.notifyOn()).containsExactly(DsnNotify.NEVER);
		assertThat(c.originalRecipient()).isEqualTo(new OriginalRecipient("utf-8", "j\u00f6rg+@example.com"));
		assertThat(c.parameters()).containsEntry("ORCPT", "utf-8;j\\x{F6}rg\\x{2B}@example.com");
		assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(RcptOptions.NONE);
	}

	@Test
	void relayDropsDsnParametersWhenTheUpstreamDoesNotOfferDsn() throws Exception {
		BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
		TestServer upstream = TestServer.start((builder) -> builder.dsn(false).handler(dsnRecorder(seen)));
		this.servers.add(upstream);
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port()));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com> RET=FULL ENVID=x", 250);
			client.command("RCPT TO:<b@example.com> NOTIFY=DELAY ORCPT=rfc822;b@example.com", 250);
			assertThat(client.data("hi\r\n").code()).isEqualTo(250);
		}
		assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(MailOptions.NONE);
		assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(RcptOptions.NONE);
	}

	private static SmtpHandler dsnRecorder(BlockingQueue<Object> seen) {
		return new SmtpHandler() {

			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
				seen.add(options);
				return null;
			}

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				seen.add(options);
				return null;
			}

		};
	}

	@Test
	void relayToAnUnreachableUpstreamGets451() throws Exception {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		TestServer server = start(new RelayHandler("127.0.0.1", closedPort));
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			assertThat(client.command("MAIL FROM:<a@example.com>").lines())
				.containsExactly("451 4.4.1 Upstream server not reachable, try again later");
		}
	}

	@Test
	void relayRefusesAnSmtputf8MessageAtMailWhenTheUpstreamCannotTakeIt() throws Exception {
		RecordingHandler upstreamHandler = new RecordingHandler();
		TestServer upstream = start(upstreamHandler); // SMTPUTF8 not enabled
		TestServer server = TestServer
			.start((builder) -> builder.smtputf8(true).handler(new RelayHandler("127.0.0.1", upstream.port())));
		this.servers.add(server);
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			assertThat(client.command("MAIL FROM:<jörg@example.com> SMTPUTF8").lines())
				.containsExactly("554 5.6.7 Upstream server does not support SMTPUTF8; message not relayed");
		}
		assertThat(upstreamHandler.pending()).isZero();
	}

	@Test
	void relayGivesUpOnAnUpstreamThatStopsReading() throws Exception {
		FakeUpstream upstream = fakeUpstream(1, (connection, in, out) -> {
			String line;
			while ((line = in.readLine()) != null) {
				if (line.equals("DATA")) {
					reply(out, "354 go ahead");
					// and it never reads again: the relay's writes fill the socket
					// buffers
					Thread.sleep(60_000);
					return;
				}
				reply(out, "250 ok");
			}
		});
		upstream.socket().setReceiveBufferSize(4096);
		TestServer server = start(new RelayHandler("127.0.0.1", upstream.port(), Duration.ofSeconds(5),
				Duration.ofSeconds(1), "relay.test"));
		String big = ("x".repeat(998) + "\r\n").repeat(16 * 1024); // 16 MiB, beyond any
																	// socket buffer
		long start = System.nanoTime();
		SmtpTestClient.TestReply reply = server.send("a@example.com", List.of("b@example.com"), big);
		assertThat(reply.lines()).containsExactly("451 4.4.2 Upstream server connection lost, try again later");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
	}

}
