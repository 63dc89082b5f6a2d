package dev.smtpd.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.smtpd.sample.ExternalCommand.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.smtpd.sample.ExternalCommand.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Exim, which sends with BDAT whenever CHUNKING is offered, delivering to the
 * packaged sample app: the app is told the message came with BDAT and stores it
 * byte-exact. Exim is not installed (Debian's exim4 conflicts with postfix): .ci/run
 * unpacks the packages with {@code src/test/exim/private-exim.sh install}, and each test
 * runs that binary with a configuration, spool and log of its own.
 * <p>
 * Needs root and the unpacked Exim (system property {@code exim.home}, default
 * {@code /opt/smtpd-exim}): without them the test is skipped, unless
 * {@code SMTPD_REQUIRE_TOOLS=1} (set by CI), where it fails.
 */
class EximDeliveryIT {

	private static final Path HOME = Path.of(System.getProperty("exim.home", "/opt/smtpd-exim"));

	private static final Path SCRIPT = Path.of(System.getProperty("exim.script", "src/test/exim/private-exim.sh"));

	@TempDir
	Path directory;

	private SampleAppProcess app;

	@BeforeEach
	void requireExim() throws IOException {
		boolean usable = Files.isExecutable(HOME.resolve("root/usr/sbin/exim4"))
				&& "root".equals(System.getProperty("user.name"));
		if ("1".equals(System.getenv("SMTPD_REQUIRE_TOOLS"))) {
			assertThat(usable)
				.as("Exim must be unpacked in %s (%s install %s) and the tests run as root", HOME, SCRIPT, HOME)
				.isTrue();
		}
		assumeTrue(usable, "Exim is not unpacked in " + HOME + ", or the tests do not run as root");
		// the delivery runs as nobody: it must reach its spool and log in here
		Files.setPosixFilePermissions(this.directory, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	@AfterEach
	void stop() throws Exception {
		if (this.app != null) {
			this.app.close();
		}
	}

	@Test
	void eximSendsWithBdatAndTheStoredMessageIsByteExact() throws Exception {
		int port = freePort();
		Path maildir = this.directory.resolve("maildir");
		this.app = SampleAppProcess.start(this.directory,
				List.of("--spring.main.web-application-type=none", "--smtpd.address=127.0.0.1", "--smtpd.port=" + port,
						"--smtpd.handler=debugging,maildir", "--smtpd.maildir.path=" + maildir));
		assertThat(this.app.awaitOutput("Started SampleApplication", Duration.ofSeconds(90)))
			.as("the app started; its output:%n%s", this.app.output())
			.isTrue();
		// lines DATA would have to stuff, a line that is a single dot, and enough of them
		// for the message to go to disk on both sides
		StringBuilder body = new StringBuilder();
		for (int i = 0; i < 4000; i++) {
			body.append((i % 3 == 0) ? "." : "").append("line ").append(i).append(" of the body\n");
			if (i % 1000 == 0) {
				body.append(".\n");
			}
		}
		String message = "From: Alice <alice@sender.example>\n" + "To: bob@accepted.example\n"
				+ "Subject: Through Exim\n" + "Date: Mon, 30 Nov 2026 12:00:00 +0000\n"
				+ "Message-ID: <exim-it@sender.example>\n" + "\n" + body;
		Result sent = exim(message, port, "alice@sender.example", "bob@accepted.example");
		assertThat(sent.exitCode()).as(sent.output()).isZero();
		// "K": Exim used CHUNKING
		assertThat(sent.output()).containsPattern("=> bob@accepted\\.example .* K C=\"250 ");
		assertThat(this.app.output()).contains("received with: BDAT");
		List<Path> stored;
		try (Stream<Path> files = Files.list(maildir.resolve("new"))) {
			stored = files.toList();
		}
		assertThat(stored).hasSize(1);
		// Exim read the message with LF line ends and sent it with CRLF
		assertThat(Files.readAllBytes(stored.get(0)))
			.isEqualTo(message.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII));
	}

	private Result exim(String message, int port, String from, String... to) throws Exception {
		Path input = Files.writeString(this.directory.resolve("message"), message, StandardCharsets.US_ASCII);
		Path delivery = Files.createDirectory(this.directory.resolve("exim"));
		List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "send", HOME.toString(),
				delivery.toString(), String.valueOf(port), from));
		command.addAll(List.of(to));
		return ExternalCommand.run(command, this.directory, input);
	}

}
