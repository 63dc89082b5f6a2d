package dev.smtpd.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import jakarta.activation.DataHandler;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The example of a plain JUnit 5 test (no Spring) of code that sends mail with Jakarta
 * Mail: the extension runs a catcher for the class, reset after each test.
 */
class JakartaMailExampleTests {

	private static final X509Bundle CERTIFICATE = certificate();

	@RegisterExtension
	static final MailCatcherExtension mail = new MailCatcherExtension((catcher) -> catcher.tls(() -> serverContext()));

	private static final byte[] PDF = "%PDF-1.4 not really".getBytes(StandardCharsets.US_ASCII);

	/** The code under test: sends an invoice with Jakarta Mail. */
	private static void sendInvoice(Properties properties, String to) throws MessagingException {
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(mail.port()));
		properties.put("mail.smtp.timeout", "10000");
		Session session = Session.getInstance(properties);
		MimeMessage message = new MimeMessage(session);
		message.setFrom(new InternetAddress("billing@shop.example"));
		message.setRecipients(RecipientType.TO, to);
		message.setRecipients(RecipientType.CC, "accounts@shop.example");
		message.setSubject("Your invoice", "UTF-8");
		MimeBodyPart text = new MimeBodyPart();
		text.setText("Please find your invoice attached.", "UTF-8");
		MimeBodyPart html = new MimeBodyPart();
		html.setContent("<p>Please find your <b>invoice</b> attached.</p>", "text/html; charset=UTF-8");
		MimeMultipart alternative = new MimeMultipart("alternative", text, html);
		MimeBodyPart body = new MimeBodyPart();
		body.setContent(alternative);
		MimeBodyPart pdf = new MimeBodyPart();
		pdf.setDataHandler(new DataHandler(new ByteArrayDataSource(PDF, "application/pdf")));
		pdf.setFileName("invoice.pdf");
		message.setContent(new MimeMultipart(body, pdf));
		String user = properties.getProperty("user");
		if (user != null) {
			Transport.send(message, user, "secret");
		}
		else {
			Transport.send(message);
		}
	}

	@Test
	void invoiceArrivesWithItsPartsAndEnvelope() throws Exception {
		sendInvoice(new Properties(), "bob@example.com");
		assertThat(mail.inbox()).hasMessages(1)
			.singleMessage()
			.hasSubject("Your invoice")
			.isFrom("billing@shop.example")
			.hasTo("bob@example.com")
			.hasCc("accounts@shop.example")
			.hasSender("billing@shop.example")
			.hasRecipients("bob@example.com", "accounts@shop.example")
			.hasTextContaining("invoice attached")
			.hasHtmlContaining("<b>invoice</b>")
			.hasAttachment("invoice.pdf", PDF)
			.wasSentWithoutTls()
			.authenticatedAs(null);
		CaughtMessage message = mail.inbox().messages().get(0);
		assertThat(message.clientAddress().getAddress().isLoopbackAddress()).isTrue();
		assertThat(message.attachment("invoice.pdf").contentType()).isEqualTo("application/pdf");
		assertThat(message.rawText()).contains("Subject: Your invoice");
	}

	@Test
	void authenticatedSenderOverStarttlsIsRecorded() throws Exception {
		mail.faults().requireStarttls();
		mail.faults().requireAuth();
		Properties properties = new Properties();
		properties.put("mail.smtp.auth", "true");
		properties.put("mail.smtp.starttls.enable", "true");
		properties.put("mail.smtp.ssl.trust", "127.0.0.1");
		properties.put("mail.smtp.ssl.checkserveridentity", "false");
		properties.put("user", "alice");
		sendInvoice(properties, "bob@example.com");
		assertThat(mail.inbox()).singleMessage().wasSentOverTls().authenticatedAs("alice");
	}

	@Test
	void plaintextSenderIsRefusedWhenStarttlsIsRequired() {
		mail.faults().requireStarttls();
		assertThatExceptionOfType(MessagingException.class)
			.isThrownBy(() -> sendInvoice(new Properties(), "bob@example.com"))
			.withMessageContaining("530");
		assertThat(mail.inbox()).hasNoMessages();
	}

	@Test
	void refusedRecipientFailsTheSendAndNothingIsDelivered(Inbox inbox, MailCatcher catcher) {
		mail.faults().on(FaultPoint.RCPT, "bob@example.com").reply("452 4.2.2 Mailbox full");
		assertThatExceptionOfType(SendFailedException.class)
			.isThrownBy(() -> sendInvoice(new Properties(), "bob@example.com"))
			.satisfies((ex) -> assertThat(ex.getNextException()).isInstanceOf(SMTPAddressFailedException.class)
				.satisfies((failed) -> {
					assertThat(((SMTPAddressFailedException) failed).getReturnCode()).isEqualTo(452);
					assertThat(((SMTPAddressFailedException) failed).getAddress().getAddress())
						.isEqualTo("bob@example.com");
				}));
		assertThat(inbox).hasNoMessages();
		assertThat(catcher.faults().triggered()).singleElement().satisfies((fault) -> {
			assertThat(fault.point()).isEqualTo(FaultPoint.RCPT);
			assertThat(fault.argument()).isEqualTo("bob@example.com");
			assertThat(fault.outcome()).isEqualTo("452 4.2.2 Mailbox full");
		});
		// what Jakarta Mail did next: the other recipient was accepted, then it gave up
		assertThat(catcher.transcript()).extracting(Exchange::verb, Exchange::replyCode, Exchange::faulted)
			.containsSubsequence(org.assertj.core.groups.Tuple.tuple("RCPT", 452, true),
					org.assertj.core.groups.Tuple.tuple("RCPT", 250, false));
		assertThat(catcher.transcript()).extracting(Exchange::verb).doesNotContain("DATA");
	}

	@Test
	void eachTestStartsWithAnEmptyInbox() throws Exception {
		assertThat(mail.inbox()).hasNoMessages();
		sendInvoice(new Properties(), "carol@example.com");
		assertThat(mail.inbox().awaitMessages(1, Duration.ofSeconds(5))).hasSize(1);
		assertThat(mail.inbox()).hasMessageFor("carol@example.com").hasNoMessageFor("bob@example.com");
	}

	private static X509Bundle certificate() {
		try {
			return new CertificateBuilder().subject("CN=localhost")
				.addSanIpAddress("127.0.0.1")
				.notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
				.notAfter(Instant.now().plus(1, ChronoUnit.DAYS))
				.ecp256()
				.setIsCertificateAuthority(true)
				.buildSelfSigned();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static SslContext serverContext() {
		try {
			return SslContextBuilder.forServer(CERTIFICATE.getKeyPair().getPrivate(), CERTIFICATE.getCertificatePath())
				.build();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
