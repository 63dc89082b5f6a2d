package dev.smtpd.core;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LMTP (RFC 2033) over a real socket: LHLO, and one reply per accepted recipient after
 * the final dot, in RCPT order.
 */
class LmtpTests {

	/**
	 * Refuses recipients at {@code refused.example}, as an application's RCPT hook would.
	 */
	private static final SmtpHandler REFUSE_DOMAIN = new SmtpHandler() {
		@Override
		public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
			return address.endsWith("@refused.example") ? Reply.of(550, "5.1.1", "No such user here") : null;
		}
	};

	@TempDir
	Path tempDir;

	private @Nullable TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private TestServer start(SmtpHandler... handlers) {
		TestServer server = TestServer.start((builder) -> {
			builder.protocol(Protocol.LMTP);
			for (SmtpHandler handler : handlers) {
				builder.handler(handler);
			}
		});
		this.server = server;
		return server;
	}

	@Test
	void lhloAdvertisesTheEhloKeywordsAndHeloAndEhloAreRefused() throws Exception {
		try (SmtpTestClient client = start().connect()) {
			assertThat(client.command("HELO client.example", 500).text()).contains("LHLO");
			assertThat(client.command("EHLO client.example", 500).text()).contains("LHLO");
			assertThat(client.command("LHLO client.example", 250).lines()).contains("250-PIPELINING",
					"250-ENHANCEDSTATUSCODES", "250-8BITMIME");
			assertThat(client.command("HELP", 214).text()).contains("LHLO").doesNotContain("EHLO");
		}
	}

	@Test
	void lhloIsUnknownToAnSmtpServer() throws Exception {
		this.server = TestServer.start((builder) -> {
		});
		try (SmtpTestClient client = this.server.connect()) {
			client.command("LHLO client.example", 500);
			client.command("EHLO client.example", 250);
		}
	}

	@Test
	void eachAcceptedRecipientGetsItsOwnReplyInRcptOrder() throws Exception {
		List<String> delivered = new CopyOnWriteArrayList<>();
		SmtpHandler quota = new SmtpHandler() {
			@Override
			public @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient,
					MessageContent content) throws Exception {
				if (recipient.address().startsWith("full@")) {
					return Reply.of(452, "4.2.2", "Mailbox full");
				}
				delivered.add(recipient.address() + " " + content.asText().strip());
				return Reply.of(250, "2.1.5", recipient.address() + " delivered");
			}
		};
		try (SmtpTestClient client = start(REFUSE_DOMAIN, quota).connect()) {
			client.command("LHLO client.example", 250);
			client.command("MAIL FROM:<sender@example.com>", 250);
			client.command("RCPT TO:<a@example.org>", 250);
			client.command("RCPT TO:<nobody@refused.example>", 550);
			client.command("RCPT TO:<full@example.org>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.command("DATA", 354);
			client.sendRaw("one message\r\n.\r\n");
			assertThat(client.reply().lines()).containsExactly("250 2.1.5 a@example.org delivered");
			assertThat(client.reply().lines()).containsExactly("452 4.2.2 Mailbox full");
			assertThat(client.reply().lines()).containsExactly("250 2.1.5 b@example.org delivered");
			// nothing more: the next reply answers the next command
			assertThat(client.command("NOOP", 250).text()).isEqualTo("2.0.0 OK");
		}
		assertThat(delivered).containsExactly("a@example.org one message", "b@example.org one message");
	}

	@Test
	void pipelinedTransactionWithARefusedRecipientGetsTheRightNumberOfReplies() throws Exception {
		try (SmtpTestClient client = start(REFUSE_DOMAIN).connect()) {
			client.sendRaw("LHLO client.example\r\nMAIL FROM:<s@example.com>\r\nRCPT TO:<a@example.org>\r\n"
					+ "RCPT TO:<x@refused.example>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
			assertThat(client.expect(250).lines()).first().isEqualTo("250-mx.test.example");
			assertThat(List.of(client.reply().code(), client.reply().code(), client.reply().code(),
					client.reply().code(), client.reply().code()))
				.containsExactly(250, 250, 550, 250, 354);
			client.sendRaw("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n");
			assertThat(List.of(client.reply().code(), client.reply().code(), client.reply().code()))
				.containsExactly(250, 250, 221);
		}
	}

	@Test
	void anSmtpHandlersReplyIsRepeatedPerRecipientAndMaildirStoresTheMessageOnce() throws Exception {
		Path maildir = this.tempDir.resolve("maildir");
		try (SmtpTestClient client = start(new MaildirHandler(maildir)).connect()) {
			transaction(client, "a@example.org", "b@example.org");
			client.command("DATA", 354);
			client.sendRaw("Subject: once\r\n\r\nstored once\r\n.\r\n");
			assertThat(client.reply().lines()).containsExactly("250 2.0.0 OK");
			assertThat(client.reply().lines()).containsExactly("250 2.0.0 OK");
		}
		try (Stream<Path> files = Files.list(maildir.resolve("new"))) {
			List<Path> stored = files.toList();
			assertThat(stored).hasSize(1);
			assertThat(Files.readString(stored.get(0))).isEqualTo("Subject: once\r\n\r\nstored once\r\n");
		}
	}

	@Test
	void aDataPhaseThatFailsAsAWholeGivesItsFailureOncePerRecipient() throws Exception {
		this.server = TestServer.start((builder) -> builder.protocol(Protocol.LMTP).dataSizeLimit(1000));
		try (SmtpTestClient client = this.server.connect()) {
			transaction(client, "a@example.org", "b@example.org", "c@example.org");
			client.command("DATA", 354);
			client.sendRaw("x".repeat(2000) + "\r\n.\r\n");
			for (int i = 0; i < 3; i++) {
				assertThat(client.reply().code()).isEqualTo(552);
			}
			client.command("NOOP", 250);
		}
	}

	@Test
	void aDataPhaseThatTakesTooLongIsAnsweredOncePerRecipientBeforeTheClose() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.protocol(Protocol.LMTP).dataTimeout(Duration.ofMillis(300)));
		try (SmtpTestClient client = this.server.connect()) {
			transaction(client, "a@example.org", "b@example.org");
			client.command("DATA", 354);
			client.sendRaw("the message never ends\r\n");
			assertThat(client.reply().lines()).containsExactly("421 4.4.2 mx.test.example Error: DATA took too long");
			assertThat(client.reply().lines()).containsExactly("421 4.4.2 mx.test.example Error: DATA took too long");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void decodedContentIsThereForLmtpHooksToo() throws Exception {
		List<String> seen = new CopyOnWriteArrayList<>();
		this.server = TestServer
			.start((builder) -> builder.protocol(Protocol.LMTP).decodeData(true).handler(new SmtpHandler() {
				@Override
				public @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient,
						MessageContent content) {
					seen.add(recipient.address() + ": " + envelope.decodedContent());
					return null;
				}
			}));
		try (SmtpTestClient client = this.server.connect()) {
			transaction(client, "a@example.org");
			client.command("DATA", 354);
			client.sendRaw("décodé\r\n.\r\n".replace("é", "\u00e9"));
			assertThat(client.reply().code()).isEqualTo(250);
		}
		assertThat(seen).hasSize(1).first().asString().startsWith("a@example.org: d");
	}

	@Test
	void aDataHookRefusalAnswersEveryRecipientWithoutAskingTheDeliverHook() throws Exception {
		List<String> asked = new CopyOnWriteArrayList<>();
		SmtpHandler handler = new SmtpHandler() {
			@Override
			public Reply data(Session session, Envelope envelope, MessageContent content) {
				return Reply.of(554, "5.7.1", "Spam");
			}

			@Override
			public @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient,
					MessageContent content) {
				asked.add(recipient.address());
				return null;
			}
		};
		try (SmtpTestClient client = start(handler).connect()) {
			transaction(client, "a@example.org", "b@example.org");
			client.command("DATA", 354);
			client.sendRaw("spam\r\n.\r\n");
			assertThat(client.reply().lines()).containsExactly("554 5.7.1 Spam");
			assertThat(client.reply().lines()).containsExactly("554 5.7.1 Spam");
			client.command("NOOP", 250);
		}
		assertThat(asked).isEmpty();
	}

	@Test
	void thousandsOfRecipientsGetTheirRepliesInOrderWhenTheClientReadsLate() throws Exception {
		int recipients = 3000;
		this.server = TestServer.start((builder) -> builder.protocol(Protocol.LMTP).maxRecipients(recipients));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("LHLO client.example", 250);
			StringBuilder commands = new StringBuilder("MAIL FROM:<s@example.com>\r\n");
			for (int i = 0; i < recipients; i++) {
				commands.append("RCPT TO:<r").append(i).append("@example.org>\r\n");
			}
			commands.append("DATA\r\n");
			client.sendRaw(commands.toString());
			for (int i = 0; i < recipients + 1; i++) {
				assertThat(client.reply().code()).isEqualTo(250);
			}
			client.expect(354);
			// the replies to the final dot are more than the channel holds before it
			// stops
			// taking writes; the client reads them only now
			client.sendRaw("many recipients\r\n.\r\nNOOP\r\n");
			for (int i = 0; i < recipients; i++) {
				assertThat(client.reply().lines()).as("reply %d", i).containsExactly("250 2.0.0 OK");
			}
			assertThat(client.reply().text()).isEqualTo("2.0.0 OK");
		}
	}

	@Test
	void pythonSmtplibLmtpDeliversOverTcp() throws Exception {
		ExternalTools.require("python3");
		List<String> received = new CopyOnWriteArrayList<>();
		TestServer server = start(new SmtpHandler() {
			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
				received.add(envelope.recipientAddresses() + " " + content.asText());
				return null;
			}
		});
		String script = String.join("\n", "import smtplib, sys", "c = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))",
				"print('refused', c.sendmail('s@example.com', ['b@example.org'], 'Subject: py\\r\\n\\r\\nhello\\r\\n'))",
				"c.quit()");
		ProcessBuilder builder = new ProcessBuilder("python3", "-c", script, String.valueOf(server.port()));
		builder.redirectErrorStream(true);
		builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(output).contains("refused {}");
		assertThat(process.exitValue()).isZero();
		assertThat(received).containsExactly("[b@example.org] Subject: py\r\n\r\nhello\r\n");
	}

	@Test
	void postfixSmtpSourceSpeaksLmtpWithSeveralRecipientsPerMessage() throws Exception {
		ExternalTools.require("smtp-source");
		List<Integer> recipients = new CopyOnWriteArrayList<>();
		TestServer server = start(new SmtpHandler() {
			@Override
			public @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient,
					MessageContent content) {
				recipients.add(envelope.recipients().indexOf(recipient));
				return null;
			}
		});
		ProcessBuilder builder = new ProcessBuilder("smtp-source", "-L", "-d", "-s", "4", "-m", "20", "-r", "3", "-l",
				"512", "-f", "sender@example.com", "-t", "rcpt@example.org", "127.0.0.1:" + server.port());
		builder.redirectErrorStream(true);
		builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		// 20 messages, each delivered to its 3 recipients in RCPT order
		assertThat(recipients).hasSize(60);
		assertThat(recipients.stream().filter((index) -> index == 2)).hasSize(20);
	}

	@Test
	void overAUnixSocketPythonAndPostfixClientsSpeakLmtp() throws Exception {
		ExternalTools.require("python3");
		ExternalTools.require("smtp-source");
		Path socket = this.tempDir.resolve("lmtp.sock");
		List<String> received = new CopyOnWriteArrayList<>();
		this.server = TestServer.start(
				(builder) -> builder.protocol(Protocol.LMTP).port(-1).unixSocketPath(socket).handler(new SmtpHandler() {
					@Override
					public @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient,
							MessageContent content) {
						received.add(recipient.address() + " via " + session.unixSocketPath());
						return null;
					}
				}));
		String script = String.join("\n", "import smtplib, sys", "c = smtplib.LMTP(sys.argv[1])",
				"print('refused', c.sendmail('s@example.com', ['b@example.org'], 'Subject: py\\r\\n\\r\\nhi\\r\\n'))",
				"c.quit()");
		String python = run("python3", "-c", script, socket.toString());
		assertThat(python).contains("refused {}");
		assertThat(received).containsExactly("b@example.org via " + socket);
		run("smtp-source", "-L", "-d", "-s", "2", "-m", "10", "-r", "2", "-l", "256", "-f", "s@example.com", "-t",
				"r@example.org", "unix:" + socket);
		assertThat(received).hasSize(1 + 20);
	}

	/**
	 * LHLO, then a transaction from {@code s@example.com} to the recipients, each
	 * accepted.
	 */
	private static void transaction(SmtpTestClient client, String... recipients) throws Exception {
		client.command("LHLO client.example", 250);
		client.command("MAIL FROM:<s@example.com>", 250);
		for (String recipient : recipients) {
			client.command("RCPT TO:<" + recipient + ">", 250);
		}
	}

	/** Runs a client to its end and returns its output; it must exit with 0. */
	private static String run(String... command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.redirectErrorStream(true);
		builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

}
