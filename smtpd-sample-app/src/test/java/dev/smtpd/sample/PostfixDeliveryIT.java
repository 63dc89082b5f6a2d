package dev.smtpd.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.smtpd.sample.ExternalCommand.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.smtpd.sample.ExternalCommand.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Postfix delivering to the packaged sample app. A private instance
 * ({@code src/test/postfix/private-postfix.sh}: its own configuration, queue and log,
 * smtpd on 127.0.0.1) takes one message for three recipients and relays it to the app,
 * whose {@code sample.reject-domain} handler refuses one of them: two are delivered, the
 * third bounces, and the bounce comes back to the sender, whose domain the app serves
 * too. And the other way round: a second app with the {@code relay} handler in front of
 * the same Postfix, refusing at RCPT a recipient Postfix refuses and relaying the message
 * to the others.
 * <p>
 * Needs root (Postfix's master runs as root) and Debian's postfix package (.ci/run
 * installs it with "No configuration"): without them the tests are skipped, unless
 * {@code SMTPD_REQUIRE_TOOLS=1} (set by CI), where they fail.
 */
class PostfixDeliveryIT {

	private static final Path POSTFIX = Path.of("/usr/sbin/postfix");

	private static final Path SCRIPT = Path
		.of(System.getProperty("postfix.script", "src/test/postfix/private-postfix.sh"));

	private static final List<String> DOMAINS = List.of("accepted.example", "also.example", "refused.example",
			"sender.example");

	private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

	private static final String RELAYED = "From: alice@sender.example\r\nTo: bob@accepted.example\r\n"
			+ "Subject: Relayed\r\nDate: Tue, 1 Dec 2026 01:00:00 +0000\r\nMessage-ID: <relay-it@sender.example>\r\n"
			+ "\r\nThrough the relay and Postfix.\r\n";

	@TempDir
	Path directory;

	private Path postfixDirectory;

	private Path maildir;

	private SampleAppProcess app;

	private boolean postfixStarted;

	@BeforeEach
	void requirePostfix() throws IOException {
		boolean usable = Files.isExecutable(POSTFIX) && "root".equals(System.getProperty("user.name"));
		if ("1".equals(System.getenv("SMTPD_REQUIRE_TOOLS"))) {
			assertThat(usable).as("Postfix must be installed (%s) and the tests run as root", POSTFIX).isTrue();
		}
		assumeTrue(usable, "Postfix is not installed, or the tests do not run as root");
		// Postfix's daemons run as postfix: they must reach the queue and the socket in
		// here
		Files.setPosixFilePermissions(this.directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		this.postfixDirectory = Files.createDirectory(this.directory.resolve("postfix"));
		this.maildir = this.directory.resolve("maildir");
	}

	@AfterEach
	void stop() throws Exception {
		try {
			if (this.postfixStarted) {
				Result stopped = postfix("stop", this.postfixDirectory.toString());
				assertThat(stopped.exitCode()).as(stopped.output()).isZero();
			}
		}
		finally {
			if (this.app != null) {
				this.app.close();
			}
		}
	}

	// The main variant: how Postfix hands mail to a local application
	@Test
	void postfixDeliversOverLmtpOnAUnixSocket() throws Exception {
		Path socket = this.directory.resolve("lmtp.sock");
		startApp("--smtpd.protocol=lmtp", "--smtpd.unix-socket.path=" + socket, "--smtpd.unix-socket.mode=0666",
				"--smtpd.port=0");
		assertThat(socket).exists();
		deliverThroughPostfix("lmtp:unix:" + socket, "lmtp");
	}

	@Test
	void postfixDeliversOverLmtpOnTcp() throws Exception {
		int port = freePort();
		startApp("--smtpd.protocol=lmtp", "--smtpd.port=" + port);
		deliverThroughPostfix("lmtp:inet:127.0.0.1:" + port, "lmtp");
	}

	@Test
	void postfixDeliversOverSmtpOnTcp() throws Exception {
		int port = freePort();
		startApp("--smtpd.port=" + port);
		deliverThroughPostfix("smtp:[127.0.0.1]:" + port, "smtp");
	}

	// The other way round: the app's relay handler in front of Postfix, in lock-step with
	// it
	@Test
	void theRelayInFrontOfPostfixRefusesAtRcptWhatPostfixRefuses() throws Exception {
		int lmtpPort = freePort();
		startApp("--smtpd.protocol=lmtp", "--smtpd.port=" + lmtpPort); // the mailboxes
		int smtpdPort = freePort();
		List<String> start = new ArrayList<>(List.of("start", this.postfixDirectory.toString(),
				String.valueOf(smtpdPort), "lmtp:inet:127.0.0.1:" + lmtpPort));
		start.addAll(DOMAINS);
		this.postfixStarted = true;
		Result started = postfix(start.toArray(String[]::new));
		assertThat(started.exitCode()).as(started.output()).isZero();
		int relayPort = freePort();
		try (SampleAppProcess relay = SampleAppProcess.start(Files.createDirectory(this.directory.resolve("relay")),
				List.of("--spring.main.web-application-type=none", "--smtpd.address=127.0.0.1",
						"--smtpd.port=" + relayPort, "--smtpd.handler=relay", "--smtpd.relay.host=127.0.0.1",
						"--smtpd.relay.port=" + smtpdPort, "--sample.reject-domain="))) {
			assertThat(relay.awaitOutput("Started SampleApplication", Duration.ofSeconds(90)))
				.as("the relay started; its output:%n%s", relay.output())
				.isTrue();
			try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), relayPort)) {
				socket.setSoTimeout(20_000);
				BufferedReader in = new BufferedReader(
						new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
				OutputStream out = socket.getOutputStream();
				expect(in, "220");
				command(out, in, "EHLO client.test", "250");
				command(out, in, "MAIL FROM:<alice@sender.example>", "250");
				command(out, in, "RCPT TO:<bob@accepted.example>", "250");
				// not a relay domain of Postfix's: refused there, so refused here, at
				// once
				out.write("RCPT TO:<eve@elsewhere.example>\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				String refusal = in.readLine();
				assertThat(refusal).startsWith("554 5.7.1 ").contains("eve@elsewhere.example", "Relay access denied");
				command(out, in, "RCPT TO:<carol@also.example>", "250");
				command(out, in, "DATA", "354");
				out.write(RELAYED.getBytes(StandardCharsets.US_ASCII));
				command(out, in, ".", "250");
				command(out, in, "QUIT", "221");
			}
			await().atMost(DELIVERY_TIMEOUT)
				.pollInterval(Duration.ofMillis(200))
				.failFast("Postfix deferred a delivery", () -> maillog().contains("status=deferred"))
				.untilAsserted(() -> assertThat(maillog()).contains(": removed"));
			String log = maillog();
			assertThat(single(deliveries(log, "bob@accepted.example"))).contains("status=sent");
			assertThat(single(deliveries(log, "carol@also.example"))).contains("status=sent");
			assertThat(deliveries(log, "eve@elsewhere.example")).isEmpty();
			assertThat(log).doesNotContain("sender non-delivery notification");
			String stored = single(storedMessages());
			// as the client sent it, behind the Received header Postfix's smtpd added
			assertThat(stored).startsWith("Received: from localhost (localhost [127.0.0.1])\r\n").endsWith(RELAYED);
		}
		catch (Throwable ex) {
			System.err.printf("Postfix log:%n%s%nThe app's output:%n%s%n", maillog(), this.app.output());
			throw ex;
		}
	}

	private void startApp(String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of("--spring.main.web-application-type=none",
				"--smtpd.address=127.0.0.1", "--smtpd.handler=maildir", "--smtpd.maildir.path=" + this.maildir,
				"--sample.reject-domain=refused.example"));
		command.addAll(List.of(arguments));
		this.app = SampleAppProcess.start(this.directory, command);
		assertThat(this.app.awaitOutput("Started SampleApplication", Duration.ofSeconds(90)))
			.as("the app started; its output:%n%s", this.app.output())
			.isTrue();
	}

	/**
	 * Starts Postfix relaying {@link #DOMAINS} to {@code transport}, submits one message
	 * for three recipients and checks what Postfix logs and what the app stores.
	 */
	private void deliverThroughPostfix(String transport, String deliveryAgent) throws Exception {
		int smtpdPort = freePort();
		List<String> start = new ArrayList<>(
				List.of("start", this.postfixDirectory.toString(), String.valueOf(smtpdPort), transport));
		start.addAll(DOMAINS);
		this.postfixStarted = true;
		Result started = postfix(start.toArray(String[]::new));
		assertThat(started.exitCode()).as(started.output()).isZero();
		byte[] message = ("From: Alice <alice@sender.example>\r\n" + "To: bob@accepted.example\r\n"
				+ "Cc: carol@also.example, dave@refused.example\r\n" + "Subject: Through Postfix\r\n"
				+ "Date: Mon, 30 Nov 2026 12:00:00 +0000\r\n" + "Message-ID: <postfix-it@sender.example>\r\n" + "\r\n"
				+ "Hello through a real MTA.\r\n" + ".a line that starts with a dot\r\n" + "..and two\r\n" + "\r\n"
				+ "Bye\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		try {
			submit(smtpdPort, "alice@sender.example",
					List.of("bob@accepted.example", "carol@also.example", "dave@refused.example"), message);
			await().atMost(DELIVERY_TIMEOUT)
				.pollInterval(Duration.ofMillis(200))
				.failFast("Postfix deferred a delivery", () -> maillog().contains("status=deferred"))
				.untilAsserted(() -> {
					String log = maillog();
					assertThat(deliveries(log, "alice@sender.example")).hasSize(1);
					assertThat(log).contains(queueIdOf(deliveries(log, "alice@sender.example").get(0)) + ": removed");
				});
			String log = maillog();
			// one transaction: both accepted recipients in one queue file, one delivery
			String bob = single(deliveries(log, "bob@accepted.example"));
			String carol = single(deliveries(log, "carol@also.example"));
			String dave = single(deliveries(log, "dave@refused.example"));
			String queueId = queueIdOf(bob);
			assertThat(List.of(bob, carol, dave)).allSatisfy(
					(line) -> assertThat(line).contains("postfix/" + deliveryAgent + "[").contains(queueId + ": to=<"));
			assertThat(bob).contains("status=sent");
			assertThat(carol).contains("status=sent");
			assertThat(dave).contains("status=bounced", "550 5.7.1 Recipients in refused.example are not accepted here",
					"in reply to RCPT TO command");
			assertThat(log).contains(queueId + ": sender non-delivery notification: ", queueId + ": removed")
				.doesNotContain("status=deferred");
			assertThat(postfixQueue()).contains("Mail queue is empty");

			List<String> stored = storedMessages();
			assertThat(stored).hasSize(2);
			String text = new String(message, StandardCharsets.US_ASCII);
			// the message as sent, behind the Received header Postfix's smtpd added
			String delivered = single(stored.stream().filter((content) -> content.endsWith(text)).toList());
			assertThat(delivered.substring(0, delivered.length() - text.length()))
				.matches("(?s)Received: from client\\.test \\(localhost \\[127\\.0\\.0\\.1\\]\\)\r\n"
						+ "\tby postfix\\.test \\(Postfix\\) with ESMTP id " + queueId + ";\r\n\t[^\r\n]+\r\n");
			String bounce = single(stored.stream().filter((content) -> !content.equals(delivered)).toList());
			assertThat(bounce).contains("From: Mail Delivery System <MAILER-DAEMON@postfix.test>\r\n",
					"Subject: Undelivered Mail Returned to Sender\r\n", "To: alice@sender.example\r\n",
					"<dave@refused.example>", "550 5.7.1", "Message-ID: <postfix-it@sender.example>");
		}
		catch (Throwable ex) {
			System.err.printf("Postfix log:%n%s%nThe app's output:%n%s%n", maillog(), this.app.output());
			throw ex;
		}
	}

	/**
	 * An SMTP transaction on a plain socket, so that the bytes sent are exactly these.
	 */
	private static void submit(int port, String from, List<String> recipients, byte[] message) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(20_000);
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			OutputStream out = socket.getOutputStream();
			expect(in, "220");
			command(out, in, "EHLO client.test", "250");
			command(out, in, "MAIL FROM:<" + from + ">", "250");
			for (String recipient : recipients) {
				command(out, in, "RCPT TO:<" + recipient + ">", "250");
			}
			command(out, in, "DATA", "354");
			String text = new String(message, StandardCharsets.US_ASCII);
			out.write(text.replace("\r\n.", "\r\n..").getBytes(StandardCharsets.US_ASCII));
			command(out, in, ".", "250");
			command(out, in, "QUIT", "221");
		}
	}

	private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		expect(in, code);
	}

	private static void expect(BufferedReader in, String code) throws IOException {
		StringBuilder reply = new StringBuilder();
		String line;
		do {
			line = in.readLine();
			assertThat(line).as("a reply after %s", reply).isNotNull();
			reply.append(line).append('\n');
		}
		while (line.length() > 3 && line.charAt(3) == '-');
		assertThat(line).as("the reply %s", reply).startsWith(code + " ");
	}

	private static List<String> deliveries(String log, String recipient) {
		return log.lines().filter((line) -> line.contains(": to=<" + recipient + ">,")).toList();
	}

	private static String queueIdOf(String logLine) {
		Matcher matcher = Pattern.compile("\\]: ([0-9A-F]+): ").matcher(logLine);
		assertThat(matcher.find()).as(logLine).isTrue();
		return matcher.group(1);
	}

	private static String single(List<String> items) {
		assertThat(items).hasSize(1);
		return items.get(0);
	}

	private String maillog() throws IOException {
		Path log = this.postfixDirectory.resolve("maillog");
		return Files.exists(log) ? Files.readString(log) : "";
	}

	private String postfixQueue() throws Exception {
		Result queue = run(List.of("/usr/sbin/postqueue", "-c", this.postfixDirectory.resolve("etc").toString(), "-p"));
		assertThat(queue.exitCode()).as(queue.output()).isZero();
		return queue.output();
	}

	private List<String> storedMessages() throws IOException {
		try (Stream<Path> files = Files.list(this.maildir.resolve("new"))) {
			List<String> messages = new ArrayList<>();
			for (Path file : files.toList()) {
				messages.add(Files.readString(file, StandardCharsets.ISO_8859_1));
			}
			return messages;
		}
	}

	private Result postfix(String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
		command.addAll(List.of(arguments));
		return run(command);
	}

	private Result run(List<String> command) throws Exception {
		return ExternalCommand.run(command, this.directory, null);
	}

}
