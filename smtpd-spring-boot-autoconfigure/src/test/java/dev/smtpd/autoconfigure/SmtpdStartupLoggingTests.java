package dev.smtpd.autoconfigure;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import dev.smtpd.autoconfigure.security.SmtpdAuthAutoConfiguration;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the server says when it starts: one line with the address, protocol, TLS,
 * transport and handlers, and a warning when configured AUTH can never be offered.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpdStartupLoggingTests {

	private static final String AUTH_WARNING = "SMTP AUTH will never be offered";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, SmtpdAuthAutoConfiguration.class,
				SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.io-threads=1");

	@TempDir
	Path directory;

	@Test
	void startupLineNamesTheAddressProtocolTransportAndHandlers(CapturedOutput output) {
		this.runner.withBean("ticketHandler", SmtpHandler.class, TicketHandler::new)
			.withPropertyValues("smtpd.handler=maildir", "smtpd.maildir.path=" + this.directory)
			.run((context) -> {
				int port = context.getBean(SmtpServer.class).port();
				String transport = context.getBean(SmtpServer.class).transport();
				assertThat(output).contains("SMTP server listening on 127.0.0.1:" + port + " (smtp, " + transport
						+ ", 1 event loop; handlers: TicketHandler, MaildirHandler)");
			});
	}

	@Test
	void startupLineNamesTheTlsModeAndPutsIpv6AddressesInBrackets(CapturedOutput output) throws Exception {
		this.runner.withPropertyValues(tls())
			.withPropertyValues("smtpd.address=::1", "smtpd.ssl.mode=implicit")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				int port = context.getBean(SmtpServer.class).port();
				assertThat(output).contains("SMTP server listening on [0:0:0:0:0:0:0:1]:" + port + " (smtp, implicit, ")
					.contains("; handlers: DebuggingHandler)");
			});
	}

	@Test
	void startupLineShowsAllIpv6InterfacesAsTheUnspecifiedAddress(CapturedOutput output) {
		this.runner.withPropertyValues("smtpd.address=::").run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			assertThat(output).contains("SMTP server listening on [::]:" + port + " (smtp, ");
		});
	}

	@Test
	void authenticatorWithoutTlsIsWarnedAboutNamingTheProperties(CapturedOutput output) {
		this.runner.withBean(Authenticator.class, () -> (session, mechanism, credentials) -> AuthResult.failure())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains(AUTH_WARNING, "smtpd.ssl.bundle", "smtpd.auth.require-tls=false");
			});
	}

	@Test
	void usersWithoutTlsAreWarnedAbout(CapturedOutput output) {
		this.runner.withPropertyValues("smtpd.auth.users[alice]={noop}secret")
			.run((context) -> assertThat(output).contains(AUTH_WARNING));
	}

	@Test
	void usersWithRequireTlsOffAreNotWarnedAbout(CapturedOutput output) {
		this.runner.withPropertyValues("smtpd.auth.users[alice]={noop}secret", "smtpd.auth.require-tls=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).doesNotContain(AUTH_WARNING);
			});
	}

	@Test
	void usersWithTlsAreNotWarnedAbout(CapturedOutput output) throws Exception {
		this.runner.withPropertyValues(tls())
			.withPropertyValues("smtpd.auth.users[alice]={noop}secret")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("SMTP server listening on").doesNotContain(AUTH_WARNING);
			});
	}

	@Test
	void withoutUsersOrAuthenticatorNothingIsWarnedAbout(CapturedOutput output) {
		this.runner
			.run((context) -> assertThat(output).contains("SMTP server listening on").doesNotContain(AUTH_WARNING));
	}

	private String[] tls() throws Exception {
		X509Bundle bundle = new CertificateBuilder().subject("CN=localhost")
			.addSanDnsName("localhost")
			.serial(BigInteger.ONE)
			.notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
			.notAfter(Instant.now().plus(10, ChronoUnit.DAYS))
			.ecp256()
			.setIsCertificateAuthority(true)
			.buildSelfSigned();
		Files.writeString(this.directory.resolve("key.pem"), bundle.getPrivateKeyPEM());
		Files.writeString(this.directory.resolve("cert.pem"), bundle.getCertificatePEM());
		return new String[] { "smtpd.ssl.bundle=smtpd",
				"spring.ssl.bundle.pem.smtpd.keystore.certificate=file:" + this.directory.resolve("cert.pem"),
				"spring.ssl.bundle.pem.smtpd.keystore.private-key=file:" + this.directory.resolve("key.pem") };
	}

	static class TicketHandler implements SmtpHandler {

	}

}
