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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.smtpd.sample.ExternalCommand.freePort;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged sample app with the {@code maildir} handler, killed with {@code SIGKILL}
 * while 8 clients deliver: every message that got its {@code 250} must be in
 * {@code new/}, complete and exactly once, whatever the group commit of the directory
 * sync had in flight. (A process crash, not a power cut: the page cache survives it.)
 */
class MaildirCrashIT {

	private static final int CLIENTS = 8;

	private static final int ACCEPTED_BEFORE_KILL = 400;

	private static final int MAX_MESSAGES_PER_CLIENT = 5_000;

	private static final Pattern TOKEN = Pattern.compile("X-Token: (c\\d+-m\\d+)\r\n");

	@TempDir
	Path directory;

	private SampleAppProcess app;

	private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

	@AfterEach
	void stop() throws InterruptedException {
		this.clients.shutdownNow();
		if (this.app != null) {
			this.app.close();
		}
	}

	@Test
	void everyMessageAnswered250SurvivesASigkillCompleteAndOnce() throws Exception {
		Path maildir = this.directory.resolve("mail");
		int port = freePort();
		this.app = SampleAppProcess.start(this.directory,
				List.of("--smtpd.port=" + port, "--smtpd.address=127.0.0.1", "--smtpd.handler=maildir",
						"--smtpd.maildir.path=" + maildir, "--sample.reject-domain=",
						"--spring.main.web-application-type=none", "--logging.level.dev.smtpd=info"));
		assertThat(this.app.awaitOutput("smtpd listening on", Duration.ofSeconds(90)))
			.as("server started; output:\n%s", this.app.output())
			.isTrue();
		Set<String> accepted = ConcurrentHashMap.newKeySet();
		CountDownLatch enough = new CountDownLatch(ACCEPTED_BEFORE_KILL);
		List<Future<Integer>> sent = new ArrayList<>();
		for (int c = 0; c < CLIENTS; c++) {
			int client = c;
			sent.add(this.clients.submit(() -> deliverUntilCut(port, client, accepted, enough)));
		}
		assertThat(enough.await(120, TimeUnit.SECONDS)).as("%s messages accepted", ACCEPTED_BEFORE_KILL).isTrue();
		this.app.kill();
		int attempted = 0;
		for (Future<Integer> future : sent) {
			attempted += future.get(60, TimeUnit.SECONDS);
		}
		Map<String, Integer> stored = new HashMap<>();
		try (Stream<Path> files = Files.list(maildir.resolve("new"))) {
			for (Path file : files.toList()) {
				String content = Files.readString(file, StandardCharsets.ISO_8859_1);
				Matcher token = TOKEN.matcher(content);
				assertThat(token.find()).as("token in %s", file).isTrue();
				assertThat(content).as("%s complete", file).isEqualTo(message(token.group(1)));
				stored.merge(token.group(1), 1, Integer::sum);
			}
		}
		assertThat(accepted).hasSizeGreaterThanOrEqualTo(ACCEPTED_BEFORE_KILL);
		assertThat(attempted).as("the kill came while clients delivered").isLessThan(CLIENTS * MAX_MESSAGES_PER_CLIENT);
		assertThat(stored.keySet()).containsAll(accepted);
		assertThat(stored).allSatisfy((token, copies) -> assertThat(copies).as(token).isOne());
	}

	/**
	 * Sends messages on one connection until the server goes away.
	 * @return how many messages were sent up to their final dot
	 */
	private static int deliverUntilCut(int port, int client, Set<String> accepted, CountDownLatch enough) {
		int attempted = 0;
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(30_000);
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			OutputStream out = socket.getOutputStream();
			expect(in, "220");
			command(out, in, "EHLO client" + client, "250");
			for (int m = 0; m < MAX_MESSAGES_PER_CLIENT; m++) {
				String token = "c" + client + "-m" + m;
				command(out, in, "MAIL FROM:<sender@example.com>", "250");
				command(out, in, "RCPT TO:<bob@example.org>", "250");
				command(out, in, "DATA", "354");
				attempted++;
				out.write((message(token) + ".\r\n").getBytes(StandardCharsets.ISO_8859_1));
				out.flush();
				expect(in, "250");
				accepted.add(token);
				enough.countDown();
			}
		}
		catch (IOException ex) {
			// the server was killed
		}
		return attempted;
	}

	/** A 4 KiB message whose bytes follow from its token. */
	private static String message(String token) {
		StringBuilder message = new StringBuilder("From: sender@example.com\r\nTo: bob@example.org\r\nX-Token: ")
			.append(token)
			.append("\r\nSubject: crash test\r\n\r\n");
		for (int line = 0; message.length() < 4096; line++) {
			message.append(token)
				.append(" line ")
				.append(line)
				.append(" of the body, padded to a realistic length\r\n");
		}
		return message.toString();
	}

	private static void command(OutputStream out, BufferedReader in, String command, String code) throws IOException {
		out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		expect(in, code);
	}

	private static void expect(BufferedReader in, String code) throws IOException {
		String line;
		do {
			line = in.readLine();
			if (line == null) {
				throw new IOException("connection closed");
			}
			if (!line.startsWith(code)) {
				throw new IOException("expected " + code + ", got " + line);
			}
		}
		while (line.length() > 3 && line.charAt(3) == '-');
	}

}
