package dev.smtpd.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.RecordingHandler.Delivery;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.TestCertificates;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real command-line clients against the server: swaks, curl and {@code openssl s_client}.
 * A missing tool skips its test, unless {@code SMTPD_REQUIRE_TOOLS=1} (set by CI), where
 * it fails.
 */
class ExternalClientsTests {

	private static final String PASSWORD = "tool-Pa55word";

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@TempDir
	Path directory;

	private Path certificate;

	@BeforeEach
	void start() throws IOException {
		this.server = TestServer.start((builder) -> builder.handler(this.handler)
			.tls(TlsMode.STARTTLS, TestCertificates::serverContext)
			.authenticator((session, mechanism, credentials) -> {
				LoginPassword login = (LoginPassword) credentials;
				return (login.login().equals("alice@example.com") && login.passwordAsString().equals(PASSWORD))
						? AuthResult.success(login.login()) : AuthResult.failure();
			})
			.authFailureDelay(Duration.ZERO));
		this.certificate = this.directory.resolve("ca.pem");
		Files.writeString(this.certificate, TestCertificates.bundle().getCertificatePEM());
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	@Test
	void swaksWithStarttlsAndAuth() throws Exception {
		ExternalTools.require("swaks");
		for (String mechanism : List.of("PLAIN", "LOGIN")) {
			Result result = run("swaks", "--server", "127.0.0.1", "--port", String.valueOf(this.server.port()),
					"--from", "alice@example.com", "--to", "bob@example.org", "--tls", "--auth", mechanism,
					"--auth-user", "alice@example.com", "--auth-password", PASSWORD, "--header",
					"Subject: swaks " + mechanism, "--body", "hello from swaks");
			assertThat(result.exitCode()).as(result.output()).isZero();
			assertThat(result.output()).contains("220 2.0.0 Ready to start TLS", "~> AUTH " + mechanism, "235 2.7.0");
			Delivery delivery = this.handler.take();
			assertThat(delivery.text()).contains("Subject: swaks " + mechanism, "hello from swaks");
		}
		Result wrong = run("swaks", "--server", "127.0.0.1", "--port", String.valueOf(this.server.port()), "--from",
				"alice@example.com", "--to", "bob@example.org", "--tls", "--auth", "PLAIN", "--auth-user",
				"alice@example.com", "--auth-password", "wrong", "--body", "x");
		assertThat(wrong.exitCode()).isNotZero();
		assertThat(wrong.output()).contains("535 5.7.8");
	}

	@Test
	void curlWithStarttlsAndAuth() throws Exception {
		ExternalTools.require("curl");
		Path message = this.directory.resolve("message.eml");
		Files.writeString(message, "Subject: curl\r\n\r\nhello from curl\r\n.leading dot\r\n");
		Result result = run("curl", "--silent", "--show-error", "--url", "smtp://127.0.0.1:" + this.server.port(),
				"--ssl-reqd", "--cacert", this.certificate.toString(), "--user", "alice@example.com:" + PASSWORD,
				"--mail-from", "alice@example.com", "--mail-rcpt", "bob@example.org", "--upload-file",
				message.toString());
		assertThat(result.exitCode()).as(result.output()).isZero();
		Delivery delivery = this.handler.take();
		assertThat(delivery.text()).isEqualTo("Subject: curl\r\n\r\nhello from curl\r\n.leading dot\r\n");
		assertThat(delivery.recipients()).containsExactly("bob@example.org");
	}

	@Test
	void opensslStarttlsShowsOurCertificateAndTheSessionStartsOver() throws Exception {
		ExternalTools.require("openssl");
		ProcessBuilder builder = new ProcessBuilder("openssl", "s_client", "-starttls", "smtp", "-connect",
				"127.0.0.1:" + this.server.port(), "-CAfile", this.certificate.toString(), "-quiet",
				"-verify_return_error");
		builder.redirectErrorStream(true);
		Process process = builder.start();
		process.getOutputStream().write("EHLO openssl.example\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
		process.getOutputStream().close();
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(output).contains("CN = localhost", "verify return:1", "250-AUTH PLAIN LOGIN", "221 2.0.0")
			.doesNotContain("250-STARTTLS");
	}

	private static Result run(String... command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.redirectErrorStream(true);
		builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		Process process = builder.start();
		byte[] output = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
	}

	private record Result(int exitCode, String output) {
	}

}
