package dev.smtpd.test.spring.receiver;

import java.util.List;

import dev.smtpd.autoconfigure.context.LocalSmtpdPort;
import dev.smtpd.core.delivery.MemoryHandler;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.test.Inbox;
import dev.smtpd.test.TestSmtpClient;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example of a test of an application that receives mail: a client sends to
 * {@code @LocalSmtpdPort}, and the inbox assertions check what the application's handler
 * chain accepted (the built-in memory handler, last in the chain, keeps it).
 */
@SpringBootTest(classes = ReceiverApplication.class,
		properties = { "smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=memory" })
class ReceiverApplicationTests {

	@LocalSmtpdPort
	int port;

	@Autowired
	MemoryHandler memory;

	Inbox inbox;

	@BeforeEach
	void inbox() {
		this.inbox = Inbox.of(this.memory);
		this.inbox.clear();
	}

	@Test
	void mailForTheShopIsAccepted() throws Exception {
		Reply reply = TestSmtpClient.send(this.port, "alice@example.com", List.of("orders@shop.example"),
				"Subject: Order 7\n\nTwo apples, please.\n.signature starts with a dot\n");
		assertThat(reply.code()).isEqualTo(250);
		assertThat(this.inbox).singleMessage()
			.hasSubject("Order 7")
			.hasSender("alice@example.com")
			.hasRecipient("orders@shop.example")
			.hasTextContaining(".signature starts with a dot");
	}

	@Test
	void mailForOtherDomainsIsRefusedByTheApplication() throws Exception {
		try (TestSmtpClient client = TestSmtpClient.connect(this.port)) {
			assertThat(client.command("EHLO client.test").code()).isEqualTo(250);
			assertThat(client.command("MAIL FROM:<alice@example.com>").code()).isEqualTo(250);
			assertThat(client.command("RCPT TO:<bob@example.com>").toString())
				.isEqualTo("550 5.1.1 No such mailbox here");
			assertThat(client.command("RCPT TO:<sales@shop.example>").code()).isEqualTo(250);
			assertThat(client.data("Subject: Hi\n\nHello\n").code()).isEqualTo(250);
		}
		assertThat(this.inbox).singleMessage().hasRecipients("sales@shop.example");
	}

	@Test
	void jakartaMailClientReachesTheApplication() throws Exception {
		MimeMessage message = new MimeMessage(Session.getInstance(new java.util.Properties()));
		message.setFrom("alice@example.com");
		message.setRecipients(RecipientType.TO, "support@shop.example");
		message.setSubject("Help");
		message.setText("My order did not arrive.");
		TestSmtpClient.send(this.port, message);
		assertThat(this.inbox).singleMessage().hasSubject("Help").hasTextContaining("did not arrive");
	}

}
