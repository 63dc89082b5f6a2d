package dev.smtpd.core.delivery;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.RecordingHandler.Delivery;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import jakarta.mail.internet.MimeMessage;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The built-in handlers behind a real server, driven by a real socket client.
 */
class BuiltInHandlersTests {

	private static final String MESSAGE = "From: a@example.com\r\nSubject: test\r\n\r\n.dot line\r\nFrom here\r\n>From there\r\nend\r\n";

	private static final String STUFFED = MESSAGE.replace("\r\n.", "\r\n..");

	@TempDir
	Path directory;

	private final List<TestServer> servers = new ArrayList<>();

	@AfterEach
	void stop() {
		this.servers.forEach(TestServer::close);
	}

	private TestServer start(SmtpHandler handler) {
		TestServer server = TestServer.start((builder) -> builder.handler(handler));
		this.servers.add(server);
		return server;
	}

	@Test
	void sinkAcceptsAndOverridesNoHook() throws Exception {
		TestServer server = start(new SinkHandler());
		assertThat(server.send("a@example.com", List.of("b@example.com"), STUFFED).code()).isEqualTo(250);
	}

	@Test
	void debuggingPrintsTheEnvelopeAndTheMessage() throws Exception {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		TestServer server = start(new DebuggingHandler(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com> SIZE=100 BODY=8BITMIME", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw(STUFFED + ".\r\n");
			client.expect(250);
		}
		String printed = bytes.toString(StandardCharsets.UTF_8);
		assertThat(printed).startsWith("---------- MESSAGE FOLLOWS ----------\nX-Peer: 127.0.0.1\n")
			.contains("mail options: SIZE=100 BODY=8BITMIME\n")
			.contains("received with: DATA\n")
			.contains("Subject: test\n\n.dot line\nFrom here\n")
			.endsWith("end\n------------ END MESSAGE ------------\n");
	}

	@Test
	void maildirStoresExactBytesOnceInNew() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer server = start(new MaildirHandler(maildir));
		assertThat(server.send("a@example.com", List.of("b@example.com", "c@example.com"), STUFFED).code())
			.isEqualTo(250);
		assertThat(maildir.resolve("cur")).isEmptyDirectory();
		assertThat(maildir.resolve("tmp")).isEmptyDirectory();
		List<Path> delivered = list(maildir.resolve("new"));
		assertThat(delivered).hasSize(1);
		assertThat(Files.readString(delivered.get(0), StandardCharsets.ISO_8859_1)).isEqualTo(MESSAGE);
		assertThat(delivered.get(0).getFileName().toString()).matches("\\d+\\.M\\d+P\\d+Q\\d+\\..+");
	}

	@Test
	void maildirNamesAreUniqueUnderConcurrency() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer server = start(new MaildirHandler(maildir));
		ExecutorService clients = Executors.newFixedThreadPool(8);
		try {
			List<Future<Integer>> results = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				int n = i;
				results.add(clients.submit(() -> server
					.send("a@example.com", List.of("b@example.com"), "Subject: " + n + "\r\n\r\nbody " + n + "\r\n")
					.code()));
			}
			for (Future<Integer> result : results) {
				assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(250);
			}
		}
		finally {
			clients.shutdownNow();
		}
		List<Path> delivered = list(maildir.resolve("new"));
		assertThat(delivered).hasSize(200);
		Set<String> bodies = new java.util.HashSet<>();
		for (Path file : delivered) {
			bodies.add(Files.readString(file));
		}
		assertThat(bodies).hasSize(200);
	}

	@Test
	void twoMaildirHandlersOfOneProcessCountTheirDeliveriesTogether() throws Exception {
		// an SMTP and an LMTP server on one Maildir: the Q of a name counts the process's
		// deliveries, else two in the same microsecond would get the same name
		Path maildir = this.directory.resolve("Maildir");
		TestServer first = start(new MaildirHandler(maildir));
		TestServer second = start(new MaildirHandler(maildir));
		assertThat(first.send("a@example.com", List.of("b@example.com"), STUFFED).code()).isEqualTo(250);
		assertThat(second.send("a@example.com", List.of("b@example.com"), STUFFED).code()).isEqualTo(250);
		List<String> deliveries = list(maildir.resolve("new")).stream()
			.map((file) -> file.getFileName().toString().replaceAll(".*Q(\\d+)\\..*", "$1"))
			.toList();
		assertThat(deliveries).hasSize(2).doesNotHaveDuplicates();
	}

	@Test
	void maildirAddsAReceivedHeaderWhenAsked() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer server = start(new MaildirHandler(maildir, true, "mx.example.net"));
		server.send("a@example.com", List.of("b@example.com"), STUFFED);
		String stored = Files.readString(list(maildir.resolve("new")).get(0), StandardCharsets.ISO_8859_1);
		assertThat(stored)
			.startsWith("Received: from client.example ([127.0.0.1])\r\n\tby mx.example.net with ESMTP id ")
			.contains("\r\n\tfor <b@example.com>;\r\n\t")
			.endsWith("\r\n" + MESSAGE);
	}

	@Test
	void theReceivedHeaderNamesTheProtocolAsRfc3848AndRfc6531Do() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer smtp = TestServer
			.start((builder) -> builder.smtputf8(true).handler(new MaildirHandler(maildir, true, "mx.example.net")));
		this.servers.add(smtp);
		try (SmtpTestClient client = smtp.connect()) {
			client.command("EHLO client.example", 250);
			deliver(client, "SMTPUTF8");
		}
		TestServer lmtp = TestServer.start((builder) -> builder.protocol(Protocol.LMTP)
			.handler(new MaildirHandler(this.directory.resolve("Lmtp"), true, "mx.example.net")));
		this.servers.add(lmtp);
		try (SmtpTestClient client = lmtp.connect()) {
			client.command("LHLO client.example", 250);
			deliver(client, "");
		}
		assertThat(Files.readString(list(maildir.resolve("new")).get(0), StandardCharsets.UTF_8))
			.contains(" with UTF8SMTP id ");
		assertThat(Files.readString(list(this.directory.resolve("Lmtp/new")).get(0), StandardCharsets.UTF_8))
			.contains(" with LMTP id ")
			// RFC 5322 §3.3: a numeric zone, not GMT
			.containsPattern(";\r\n\t\\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n");
	}

	@Test
	void aHeloNameThatIsNoDomainGoesIntoACommentOfTheReceivedHeader() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer server = start(new MaildirHandler(maildir, true, "mx.example.net"));
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO evil([203.0.113.9])", 250);
			deliver(client, "");
		}
		assertThat(Files.readString(list(maildir.resolve("new")).get(0), StandardCharsets.UTF_8))
			.startsWith("Received: from [127.0.0.1] (HELO evil?[203.0.113.9]?)\r\n\tby mx.example.net");
	}

	@Test
	void anIpv6ClientIsAnIpv6AddressLiteralInTheReceivedHeader() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		InetAddress loopback6 = InetAddress.getByName("::1");
		TestServer server = TestServer.start(
				(builder) -> builder.address(loopback6).handler(new MaildirHandler(maildir, true, "mx.example.net")));
		this.servers.add(server);
		try (SmtpTestClient client = SmtpTestClient.connect(new InetSocketAddress(loopback6, server.port()))) {
			client.command("EHLO client.example", 250);
			deliver(client, "");
		}
		assertThat(Files.readString(list(maildir.resolve("new")).get(0), StandardCharsets.UTF_8))
			.startsWith("Received: from client.example ([IPv6:0:0:0:0:0:0:0:1])\r\n");
	}

	@Test
	void maildirThatCannotBeWrittenGets451AndLeavesNothing() throws Exception {
		Path maildir = this.directory.resolve("Maildir");
		TestServer server = start(new MaildirHandler(maildir));
		Files.delete(maildir.resolve("tmp"));
		Files.writeString(maildir.resolve("tmp"), "not a directory");
		SmtpTestClient.TestReply reply = server.send("a@example.com", List.of("b@example.com"), STUFFED);
		assertThat(reply.lines()).containsExactly("451 4.3.0 Requested action aborted: message not stored");
		assertThat(maildir.resolve("new")).isEmptyDirectory();
	}

	@Test
	void maildirThatCannotBeCreatedFailsAtOnce() throws Exception {
		Path file = Files.writeString(this.directory.resolve("file"), "x");
		assertThatExceptionOfType(java.io.UncheckedIOException.class)
			.isThrownBy(() -> new MaildirHandler(file.resolve("Maildir")))
			.withMessageContaining(file.resolve("Maildir").toString());
	}

	@Test
	void mboxAppendsInMboxrdFormat() throws Exception {
		Path mbox = this.directory.resolve("mail/box.mbox");
		TestServer server = start(new MboxHandler(mbox));
		server.send("a@example.com", List.of("b@example.com"), STUFFED);
		server.send("", List.of("b@example.com"), "Subject: bounce\r\n\r\nx\r\n");
		String content = Files.readString(mbox, StandardCharsets.ISO_8859_1);
		assertThat(content).matches("(?s)From a@example\\.com \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\n.*");
		assertThat(content).contains("\nSubject: test\n\n.dot line\n>From here\n>>From there\nend\n\n")
			.contains("\nFrom MAILER-DAEMON ")
			.endsWith("Subject: bounce\n\nx\n\n")
			.doesNotContain("\r");
	}

	@Test
	void mboxKeepsABareCrAndABareLfAsTheyCame() throws Exception {
		Path mbox = this.directory.resolve("box");
		TestServer server = start(new MboxHandler(mbox));
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com> BODY=8BITMIME", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("Subject: x\r\n\r\none\rstill one\r\ntwo\nFrom three\r\n.\r\n");
			client.expect(250);
		}
		assertThat(Files.readString(mbox, StandardCharsets.ISO_8859_1))
			.endsWith("\nSubject: x\n\none\rstill one\ntwo\n>From three\n\n");
	}

	@Test
	void anMboxDeliveryInterruptedWhileItWritesIsCutBack() throws Exception {
		// what a hook timeout does to the thread of a slow delivery; the client has been
		// answered 451 by then and will send the message again
		Path mbox = this.directory.resolve("box");
		MboxHandler handler = new MboxHandler(mbox);
		AtomicReference<@Nullable Reply> result = new AtomicReference<>();
		AtomicBoolean interruptedWhileWriting = new AtomicBoolean();
		TestServer server = start(new SmtpHandler() {

			@Override
			public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
					throws InterruptedException {
				Thread delivery = new Thread(() -> result.set(handler.data(session, envelope, content)));
				delivery.start();
				Awaitility.await()
					.pollInterval(Duration.ofMillis(1))
					.atMost(Duration.ofSeconds(30))
					.until(() -> !delivery.isAlive() || (Files.exists(mbox) && Files.size(mbox) > 0));
				interruptedWhileWriting.set(delivery.isAlive());
				delivery.interrupt();
				delivery.join();
				return Reply.OK;
			}

		});
		String line = "x".repeat(78) + "\r\n";
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("Subject: big\r\n\r\n" + line.repeat(400_000) + ".\r\n");
			client.expect(250);
		}
		// 31 MB written and forced to disk take far longer than the 1 ms the watch polls
		assertThat(interruptedWhileWriting).as("interrupted while it wrote").isTrue();
		assertThat(result.get()).isNotNull().satisfies((reply) -> assertThat(reply.code()).isEqualTo(451));
		assertThat(mbox).isEmptyFile();
	}

	@Test
	void mboxThatCannotBeWrittenGets451() throws Exception {
		Path mbox = this.directory.resolve("box");
		Files.createDirectories(mbox);
		TestServer server = start(new MboxHandler(mbox));
		assertThat(server.send("a@example.com", List.of("b@example.com"), STUFFED).code()).isEqualTo(451);
	}

	@Test
	void mimeMessageHandlerGetsAParsedMessageWithTraceHeaders() throws Exception {
		BlockingQueue<MimeMessage> messages = new LinkedBlockingQueue<>();
		TestServer server = start(new MimeMessageHandler() {

			@Override
			protected @Nullable Reply handleMessage(Session session, Envelope envelope, MimeMessage message) {
				messages.add(message);
				return null;
			}

		});
		server.send("a@example.com", List.of("b@example.com", "c@example.com"), STUFFED);
		MimeMessage message = messages.poll(10, TimeUnit.SECONDS);
		assertThat(message).isNotNull();
		assertThat(message.getSubject()).isEqualTo("test");
		assertThat(message.getHeader("X-Peer", null)).isEqualTo("127.0.0.1");
		assertThat(message.getHeader("X-MailFrom", null)).isEqualTo("a@example.com");
		assertThat(message.getHeader("X-RcptTo", null)).isEqualTo("b@example.com, c@example.com");
	}

	@Test
	void mimeMessageHandlerReadsAndWritesUtf8Headers() throws Exception {
		BlockingQueue<MimeMessage> messages = new LinkedBlockingQueue<>();
		TestServer server = TestServer.start((builder) -> builder.smtputf8(true).handler(new MimeMessageHandler() {

			@Override
			protected @Nullable Reply handleMessage(Session session, Envelope envelope, MimeMessage message) {
				messages.add(message);
				return null;
			}

		}));
		this.servers.add(server);
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.sendRaw("MAIL FROM:<jos\u00e9@example.com> SMTPUTF8\r\n".getBytes(StandardCharsets.UTF_8));
			client.expect(250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("Subject: h\u00e9llo\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.UTF_8));
			client.expect(250);
		}
		MimeMessage message = messages.poll(10, TimeUnit.SECONDS);
		assertThat(message).isNotNull();
		assertThat(message.getSubject()).isEqualTo("h\u00e9llo");
		ByteArrayOutputStream written = new ByteArrayOutputStream();
		message.writeTo(written);
		assertThat(written.toString(StandardCharsets.UTF_8)).contains("X-MailFrom: jos\u00e9@example.com");
		// without SMTPUTF8, an 8-bit header that is no UTF-8 keeps its bytes
		try (SmtpTestClient client = server.connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw("Subject: caf\u00e9\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.ISO_8859_1));
			client.expect(250);
		}
		MimeMessage latin1 = messages.poll(10, TimeUnit.SECONDS);
		assertThat(latin1).isNotNull();
		ByteArrayOutputStream kept = new ByteArrayOutputStream();
		latin1.writeTo(kept);
		assertThat(kept.toString(StandardCharsets.ISO_8859_1)).contains("Subject: caf\u00e9\r\n");
	}

	/** A transaction of {@link #STUFFED} from a@ to b@, after the greeting. */
	private static void deliver(SmtpTestClient client, String mailParameters) throws Exception {
		client.command(("MAIL FROM:<a@example.com> " + mailParameters).strip(), 250);
		client.command("RCPT TO:<b@example.com>", 250);
		assertThat(client.data(STUFFED).code()).isEqualTo(250);
	}

	private static List<Path> list(Path directory) throws Exception {
		try (Stream<Path> files = Files.list(directory)) {
			return files.toList();
		}
	}

}
