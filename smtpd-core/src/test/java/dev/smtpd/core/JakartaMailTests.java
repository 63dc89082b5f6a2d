package dev.smtpd.core;

import java.io.ByteArrayInputStream;
import java.util.Properties;

import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.RecordingHandler.Delivery;
import dev.smtpd.core.test.TestServer;
import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Jakarta Mail, a real client, sends to the server.
 */
class JakartaMailTests {

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private Session mailSession() {
		Properties properties = new Properties();
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(this.server.port()));
		properties.put("mail.smtp.localhost", "client.example");
		properties.put("mail.smtp.timeout", "10000");
		return Session.getInstance(properties);
	}

	@Test
	void messageSentWithJakartaMailArrivesIntact() throws Exception {
		this.server = TestServer.start(this.handler);
		MimeMessage message = new MimeMessage(mailSession());
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, "bob@example.org, carol@example.org");
		message.setSubject("Hello");
		message.setText("Line one\n.leading dot\n..two dots\nlast\n", "UTF-8");
		Transport.send(message);
		Delivery delivery = this.handler.take();
		assertThat(delivery.mailFrom()).isEqualTo("alice@example.com");
		assertThat(delivery.recipients()).containsExactly("bob@example.org", "carol@example.org");
		MimeMessage received = new MimeMessage(mailSession(), new ByteArrayInputStream(delivery.content()));
		assertThat(received.getSubject()).isEqualTo("Hello");
		assertThat(received.getContent()).isEqualTo("Line one\r\n.leading dot\r\n..two dots\r\nlast\r\n");
	}

	@Test
	void oversizedMessageIsRefusedToJakartaMail() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dataSizeLimit(2000));
		MimeMessage message = new MimeMessage(mailSession());
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, "bob@example.org");
		message.setText("x".repeat(5000));
		assertThatExceptionOfType(jakarta.mail.MessagingException.class).isThrownBy(() -> Transport.send(message))
			.satisfies((ex) -> assertThat(ex.getMessage()).contains("552"));
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void rejectedRecipientIsReportedToJakartaMail() throws Exception {
		this.server = TestServer.start((builder) -> builder.maxRecipients(1).handler(this.handler));
		MimeMessage message = new MimeMessage(mailSession());
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, "bob@example.org, carol@example.org");
		message.setText("hi");
		assertThatExceptionOfType(SendFailedException.class).isThrownBy(() -> Transport.send(message))
			.satisfies((ex) -> {
				// 452 is temporary: the address stays valid, the message is not sent
				assertThat(String.valueOf(ex.getNextException())).contains("452 4.5.3 Too many recipients");
				assertThat(ex.getValidUnsentAddresses()).extracting(Object::toString).contains("carol@example.org");
			});
		assertThat(this.handler.pending()).isZero();
	}

}
