package dev.smtpd.autoconfigure.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthAutoConfiguration;
import dev.smtpd.autoconfigure.actuate.SmtpdHealthIndicator;
import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.handler.TlsInfo;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import jakarta.mail.Message;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS from Spring SSL bundles: STARTTLS and implicit TLS with real clients, certificate
 * rotation without a restart, client certificates, and the certificate in the health
 * details.
 */
class SslBundleTlsTests {

	@TempDir
	Path directory;

	private final BlockingQueue<TlsInfo> seen = new LinkedBlockingQueue<>();

	private ApplicationContextRunner runner(String... properties) throws Exception {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, SmtpdAutoConfiguration.class,
					SmtpdHealthAutoConfiguration.class))
			.withBean(SmtpHandler.class, () -> new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
					if (session.tls() != null) {
						SslBundleTlsTests.this.seen.add(session.tls());
					}
					return null;
				}

			})
			.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.ssl.bundle=smtpd",
					"spring.ssl.bundle.pem.smtpd.keystore.certificate=file:" + this.directory.resolve("cert.pem"),
					"spring.ssl.bundle.pem.smtpd.keystore.private-key=file:" + this.directory.resolve("key.pem"))
			.withPropertyValues(properties);
	}

	private static X509Bundle certificate(long serial, @Nullable X509Bundle issuer) throws Exception {
		CertificateBuilder builder = new CertificateBuilder().subject("CN=localhost")
			.addSanDnsName("localhost")
			.addSanIpAddress("127.0.0.1")
			.serial(BigInteger.valueOf(serial))
			.notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
			.notAfter(Instant.now().plus(10, ChronoUnit.DAYS))
			.ecp256();
		return (issuer != null) ? builder.buildIssuedBy(issuer)
				: builder.setIsCertificateAuthority(true).buildSelfSigned();
	}

	private void writePem(X509Bundle bundle) throws IOException {
		Files.writeString(this.directory.resolve("key.pem"), bundle.getPrivateKeyPEM());
		Files.writeString(this.directory.resolve("cert.pem"), bundle.getCertificatePEM());
	}

	private static SSLContext trusting(X509Bundle... bundles) throws Exception {
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		for (int i = 0; i < bundles.length; i++) {
			trust.setCertificateEntry("ca" + i, bundles[i].getRootCertificate());
		}
		TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		factory.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, factory.getTrustManagers(), null);
		return context;
	}

	/** STARTTLS and returns the serial of the server's certificate. */
	private static BigInteger starttlsSerial(int port, SSLContext context) throws Exception {
		try (Socket plain = new Socket("127.0.0.1", port)) {
			plain.setSoTimeout(10_000);
			InputStream in = plain.getInputStream();
			OutputStream out = plain.getOutputStream();
			SmtpWire.readReply(in);
			out.write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(SmtpWire.readReply(in)).contains("STARTTLS");
			out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(SmtpWire.readReply(in)).startsWith("220");
			try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true)) {
				tls.startHandshake();
				return ((X509Certificate) tls.getSession().getPeerCertificates()[0]).getSerialNumber();
			}
		}
	}

	@Test
	void starttlsUsesTheBundleAndARenewedCertificateWithoutARestart() throws Exception {
		X509Bundle first = certificate(1001, null);
		X509Bundle second = certificate(2002, null);
		writePem(first);
		SSLContext client = trusting(first, second);
		runner("spring.ssl.bundle.pem.smtpd.reload-on-update=true", "spring.ssl.bundle.watch.file.quiet-period=100ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				int port = context.getBean(SmtpServer.class).port();
				assertThat(starttlsSerial(port, client)).isEqualTo(BigInteger.valueOf(1001));
				writePem(second);
				await().atMost(java.time.Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(starttlsSerial(port, client)).isEqualTo(BigInteger.valueOf(2002)));
			});
	}

	@Test
	void jakartaMailWithStarttlsRequiredAndWithImplicitTls() throws Exception {
		X509Bundle certificate = certificate(7, null);
		writePem(certificate);
		SSLContext client = trusting(certificate);
		runner("smtpd.ssl.require-starttls=true").run((context) -> {
			Properties properties = mailProperties(context.getBean(SmtpServer.class).port(), client);
			properties.put("mail.smtp.starttls.enable", "true");
			properties.put("mail.smtp.starttls.required", "true");
			send(properties);
			TlsInfo tls = this.seen.poll(10, TimeUnit.SECONDS);
			assertThat(tls).isNotNull();
			assertThat(tls.protocol()).startsWith("TLSv1.");
		});
		runner("smtpd.ssl.mode=implicit").run((context) -> {
			Properties properties = mailProperties(context.getBean(SmtpServer.class).port(), client);
			properties.put("mail.smtp.ssl.enable", "true");
			send(properties);
			assertThat(this.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
		});
	}

	@Test
	void clientCertificatesWhenAskedFor() throws Exception {
		X509Bundle server = certificate(11, null);
		writePem(server);
		X509Bundle clientCa = new CertificateBuilder().subject("CN=client CA")
			.setIsCertificateAuthority(true)
			.ecp256()
			.buildSelfSigned();
		X509Bundle clientCertificate = new CertificateBuilder().subject("CN=mta.example")
			.ecp256()
			.addExtendedKeyUsageClientAuth()
			.buildIssuedBy(clientCa);
		Files.writeString(this.directory.resolve("client-ca.pem"), clientCa.getCertificatePEM());
		runner("smtpd.ssl.client-auth=need",
				"spring.ssl.bundle.pem.smtpd.truststore.certificate=file:" + this.directory.resolve("client-ca.pem"))
			.run((context) -> {
				int port = context.getBean(SmtpServer.class).port();
				assertThat(refusedWithoutClientCertificate(port, trusting(server))).isTrue();
				KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
				keys.init(clientCertificate.toKeyStore("pw".toCharArray()), "pw".toCharArray());
				SSLContext withCertificate = SSLContext.getInstance("TLS");
				withCertificate.init(keys.getKeyManagers(), trustManagers(server), null);
				Properties properties = mailProperties(port, withCertificate);
				properties.put("mail.smtp.starttls.enable", "true");
				properties.put("mail.smtp.starttls.required", "true");
				send(properties);
				TlsInfo tls = this.seen.poll(10, TimeUnit.SECONDS);
				assertThat(tls).isNotNull();
				assertThat(tls.peerCertificates()).singleElement()
					.satisfies((certificate) -> assertThat(
							((X509Certificate) certificate).getSubjectX500Principal().getName())
						.isEqualTo("CN=mta.example"));
			});
	}

	/**
	 * With TLS 1.3 the client may finish its handshake before the server checks for a
	 * certificate: the refusal shows on the first read or write.
	 */
	private static boolean refusedWithoutClientCertificate(int port, SSLContext context) throws Exception {
		try (Socket plain = new Socket("127.0.0.1", port)) {
			plain.setSoTimeout(10_000);
			InputStream in = plain.getInputStream();
			OutputStream out = plain.getOutputStream();
			SmtpWire.readReply(in);
			out.write("EHLO client.example\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
			SmtpWire.readReply(in);
			SmtpWire.readReply(in);
			try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true)) {
				tls.startHandshake();
				tls.getOutputStream().write("EHLO again.example\r\n".getBytes(StandardCharsets.US_ASCII));
				tls.getOutputStream().flush();
				return tls.getInputStream().read() == -1;
			}
			catch (IOException ex) {
				return true;
			}
		}
	}

	@Test
	void healthShowsTheCertificateExpiryAndWarnsBeforeItEnds() throws Exception {
		writePem(certificate(5, null));
		runner().run((context) -> {
			Health health = context.getBean(SmtpdHealthIndicator.class).health(true);
			assertThat(health.getStatus().getCode()).isEqualTo("UP");
			assertThat(health.getDetails()).containsKeys("certificateNotAfter", "certificateDaysLeft", "warning");
			assertThat((String) health.getDetails().get("warning")).startsWith("certificate expires in");
		});
	}

	@Test
	void unknownBundleFailsStartupNamingTheProperty() throws Exception {
		writePem(certificate(5, null));
		runner("smtpd.ssl.bundle=nope").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.ssl.bundle")
				.hasStackTraceContaining("No SSL bundle with this name");
		});
	}

	@Test
	void protocolsComeFromTheBundleOptions() throws Exception {
		X509Bundle certificate = certificate(9, null);
		writePem(certificate);
		runner("spring.ssl.bundle.pem.smtpd.options.enabled-protocols=TLSv1.2").run((context) -> {
			Properties properties = mailProperties(context.getBean(SmtpServer.class).port(), trusting(certificate));
			properties.put("mail.smtp.starttls.enable", "true");
			properties.put("mail.smtp.starttls.required", "true");
			send(properties);
			TlsInfo tls = this.seen.poll(10, TimeUnit.SECONDS);
			assertThat(tls).isNotNull();
			assertThat(tls.protocol()).isEqualTo("TLSv1.2");
		});
	}

	@Test
	void jdkProviderCanBeForced() throws Exception {
		writePem(certificate(5, null));
		runner("smtpd.ssl.provider=jdk").run((context) -> assertThat(
				context.getBean(SmtpdAutoConfiguration.SmtpdSslContexts.class).contexts().provider().name())
			.isEqualTo("JDK"));
	}

	private static javax.net.ssl.TrustManager[] trustManagers(X509Bundle bundle) throws Exception {
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		trust.setCertificateEntry("ca", bundle.getRootCertificate());
		TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		factory.init(trust);
		return factory.getTrustManagers();
	}

	private static Properties mailProperties(int port, SSLContext context) {
		Properties properties = new Properties();
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(port));
		properties.put("mail.smtp.timeout", "10000");
		properties.put("mail.smtp.ssl.socketFactory", context.getSocketFactory());
		return properties;
	}

	private static void send(Properties properties) throws Exception {
		jakarta.mail.Session session = jakarta.mail.Session.getInstance(properties);
		MimeMessage message = new MimeMessage(session);
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, "bob@example.org");
		message.setText("over TLS");
		Transport.send(message);
	}

}
