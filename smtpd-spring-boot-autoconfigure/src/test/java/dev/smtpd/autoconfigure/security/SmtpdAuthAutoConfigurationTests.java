package dev.smtpd.autoconfigure.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The password authenticator auto-configuration: users from properties and from a file,
 * backing off for an application's own authenticator, and slow hashes that never stall
 * other sessions.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpdAuthAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAuthAutoConfiguration.class, SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.auth.require-tls=false",
				"smtpd.auth.failure-delay=0s", "smtpd.handler=sink");

	@TempDir
	Path directory;

	@Test
	void withoutUsersThereIsNoAuthenticatorAndNoAuth() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(Authenticator.class);
			try (Client client = new Client(context.getBean(SmtpServer.class).port())) {
				assertThat(client.command("EHLO c.example")).doesNotContain("AUTH");
			}
		});
	}

	@Test
	void usersFromPropertiesAndFromTheFileCanLogIn(CapturedOutput output) throws Exception {
		Path file = this.directory.resolve("users");
		Files.writeString(file, "# users\nbob@example.org:"
				+ new BCryptPasswordEncoder(4).encode("bob-pw").replaceFirst("^", "{bcrypt}") + "\nbroken line\n");
		this.runner
			.withPropertyValues("smtpd.auth.users.[alice@example.com]={noop}alice-pw", "smtpd.auth.users-file=" + file)
			.run((context) -> {
				assertThat(context).hasSingleBean(PasswordAuthenticator.class);
				int port = context.getBean(SmtpServer.class).port();
				try (Client client = new Client(port)) {
					assertThat(client.command("EHLO c.example")).contains("AUTH PLAIN LOGIN");
					assertThat(client.command("AUTH PLAIN " + plain("alice@example.com", "alice-pw")))
						.startsWith("235");
				}
				try (Client client = new Client(port)) {
					client.command("EHLO c.example");
					assertThat(client.command("AUTH PLAIN " + plain("bob@example.org", "bob-pw"))).startsWith("235");
				}
				try (Client client = new Client(port)) {
					client.command("EHLO c.example");
					assertThat(client.command("AUTH PLAIN " + plain("bob@example.org", "alice-pw"))).startsWith("535");
				}
			});
		assertThat(output).contains("stored as {noop} plain text: for tests only")
			.contains("line 3: missing ':'")
			.doesNotContain("alice-pw")
			.doesNotContain("bob-pw");
	}

	@Test
	void aPasswordWithoutItsEncodingFailsStartupNamingTheUserButNotThePassword() {
		this.runner.withPropertyValues("smtpd.auth.users.alice=secret-pw").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.auth.users.alice")
				.hasStackTraceContaining("{id} prefix");
			assertThat(stackTrace(context.getStartupFailure())).doesNotContain("secret-pw");
		});
	}

	@Test
	void aPasswordOfAnUnknownEncodingIsRefusedAndLogged(CapturedOutput output) {
		this.runner.withPropertyValues("smtpd.auth.users.alice={bcyrpt}$2a$10$abc").run((context) -> {
			try (Client client = new Client(context.getBean(SmtpServer.class).port())) {
				client.command("EHLO c.example");
				assertThat(client.command("AUTH PLAIN " + plain("alice", "pw"))).startsWith("535 5.7.8");
			}
			assertThat(output).contains("A stored password cannot be checked")
				.contains("bcyrpt")
				.doesNotContain("AGFsaWNl");
		});
	}

	private static String stackTrace(Throwable failure) {
		StringWriter out = new StringWriter();
		failure.printStackTrace(new PrintWriter(out));
		return out.toString();
	}

	@Test
	void applicationAuthenticatorWins() {
		this.runner.withPropertyValues("smtpd.auth.users.alice={noop}x")
			.withBean(Authenticator.class, () -> (session, mechanism, credentials) -> AuthResult.failure())
			.run((context) -> assertThat(context).doesNotHaveBean(PasswordAuthenticator.class)
				.hasSingleBean(Authenticator.class));
	}

	@Test
	void authRequiredWithUsersIsEnoughToStart() {
		this.runner.withPropertyValues("smtpd.auth.users.alice={noop}x", "smtpd.auth.required=true").run((context) -> {
			assertThat(context).hasNotFailed();
			try (Client client = new Client(context.getBean(SmtpServer.class).port())) {
				client.command("EHLO c.example");
				assertThat(client.command("MAIL FROM:<a@example.com>")).startsWith("530 5.7.0");
			}
		});
	}

	/**
	 * Many slow password checks at once (bcrypt, cost 12) run on the hook executor:
	 * another session's commands are answered while they are still running, which shows
	 * no event loop waits for them.
	 */
	@Test
	void slowPasswordChecksNeverStallOtherSessions() throws Exception {
		String hash = "{bcrypt}" + new BCryptPasswordEncoder(12).encode("right");
		AtomicInteger finished = new AtomicInteger();
		SmtpServerListener counter = new SmtpServerListener() {

			@Override
			public void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
				finished.incrementAndGet();
			}

		};
		int attempts = 24;
		this.runner.withPropertyValues("smtpd.auth.users.alice=" + hash, "smtpd.auth.max-failures=0")
			.withBean(SmtpServerListener.class, () -> counter)
			.run((context) -> {
				int port = context.getBean(SmtpServer.class).port();
				ExecutorService clients = Executors.newFixedThreadPool(attempts);
				try (Client other = new Client(port)) {
					other.command("EHLO other.example");
					List<Future<String>> results = new ArrayList<>();
					for (int i = 0; i < attempts; i++) {
						results.add(clients.submit(() -> {
							try (Client client = new Client(port)) {
								client.command("EHLO c.example");
								return client.command("AUTH PLAIN " + plain("alice", "wrong"));
							}
						}));
					}
					// wait until the checks are under way, then talk on another session
					org.awaitility.Awaitility.await()
						.until(() -> context.getBean(SmtpServer.class).activeConnections() > attempts / 2);
					for (int i = 0; i < 5; i++) {
						assertThat(other.command("NOOP")).startsWith("250");
					}
					int doneWhenAnswered = finished.get();
					assertThat(doneWhenAnswered).as("password checks finished before NOOP was answered")
						.isLessThan(attempts);
					for (Future<String> result : results) {
						assertThat(result.get(120, TimeUnit.SECONDS)).startsWith("535");
					}
				}
				finally {
					clients.shutdownNow();
				}
			});
	}

	private static String plain(String login, String password) {
		return Base64.getEncoder().encodeToString(("\0" + login + "\0" + password).getBytes(StandardCharsets.UTF_8));
	}

	/** A tiny blocking client over a real socket. */
	static final class Client implements AutoCloseable {

		private final Socket socket;

		private final InputStream in;

		private final OutputStream out;

		Client(int port) throws IOException {
			this.socket = new Socket("127.0.0.1", port);
			this.socket.setSoTimeout(60_000);
			this.in = this.socket.getInputStream();
			this.out = this.socket.getOutputStream();
			reply();
		}

		String command(String line) throws IOException {
			this.out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
			return reply();
		}

		String reply() throws IOException {
			return SmtpWire.readReply(this.in);
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

}
