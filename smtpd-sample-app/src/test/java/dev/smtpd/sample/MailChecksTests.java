package dev.smtpd.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import dev.smtpd.autoconfigure.SmtpdProperties;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.handler.SmtpHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's own checks on a real server and a plain socket client, ordinary and
 * {@code @NonBlocking} alike: recipients outside the domains get {@code 550}, a message
 * with too many {@code Received:} fields {@code 554}, other mail {@code 250}.
 */
class MailChecksTests {

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void recipientsOutsideTheDomainsAndLoopingMessagesAreRefused(boolean nonBlocking) throws Exception {
		SmtpHandler checks = nonBlocking ? new MailChecks.NonBlockingMailChecks(Set.of("Example.COM"))
				: new MailChecks(Set.of("Example.COM"));
		SmtpServer server = SmtpServer.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.handler(checks)
			.build();
		server.start();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			OutputStream out = socket.getOutputStream();
			assertThat(reply(in)).startsWith("220");
			assertThat(command(out, in, "HELO client.example")).startsWith("250");
			assertThat(command(out, in, "MAIL FROM:<a@elsewhere.example>")).startsWith("250");
			assertThat(command(out, in, "RCPT TO:<b@other.example>")).isEqualTo("550 5.7.1 Relay access denied");
			assertThat(command(out, in, "RCPT TO:<b@example.com>")).startsWith("250");
			// RFC 5321 §4.5.1: postmaster without a domain is always taken
			assertThat(command(out, in, "RCPT TO:<Postmaster>")).startsWith("250");
			assertThat(command(out, in, "DATA")).startsWith("354");
			String hops = "RECEIVED: from relay.example\r\n".repeat(MailChecks.MAX_HOPS + 1);
			assertThat(command(out, in, hops + "Subject: loop\r\n\r\nbody\r\n.")).startsWith("554 5.4.6");
			assertThat(command(out, in, "MAIL FROM:<a@elsewhere.example>")).startsWith("250");
			assertThat(command(out, in, "RCPT TO:<b@EXAMPLE.com>")).startsWith("250");
			assertThat(command(out, in, "DATA")).startsWith("354");
			String fine = "Received: from relay.example\r\n".repeat(MailChecks.MAX_HOPS);
			assertThat(command(out, in, fine + "Subject: fine\r\n\r\nReceived: in the body\r\n.")).startsWith("250");
			assertThat(command(out, in, "QUIT")).startsWith("221");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void theDomainsMayBeWrittenEitherWay() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withUserConfiguration(SampleConfiguration.class)
			.withBean(SmtpdProperties.class, SmtpdProperties::new)
			.withPropertyValues("sample.reject-domain=");
		runner.withPropertyValues("sample.domains=example.com, example.org").run((context) -> {
			assertThat(SampleConfiguration.domains(context.getEnvironment())).containsExactly("example.com",
					"example.org");
			assertThat(context).hasBean("mailChecks");
		});
		runner.withPropertyValues("sample.domains[0]=example.com", "sample.domains[1]=example.org").run((context) -> {
			assertThat(SampleConfiguration.domains(context.getEnvironment())).containsExactly("example.com",
					"example.org");
			assertThat(context).hasBean("mailChecks");
		});
		runner.run((context) -> assertThat(context).doesNotHaveBean("mailChecks"));
	}

	private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return reply(in);
	}

	private static String reply(BufferedReader in) throws IOException {
		String line = in.readLine();
		while (line != null && line.length() > 3 && line.charAt(3) == '-') {
			line = in.readLine();
		}
		return String.valueOf(line);
	}

}
