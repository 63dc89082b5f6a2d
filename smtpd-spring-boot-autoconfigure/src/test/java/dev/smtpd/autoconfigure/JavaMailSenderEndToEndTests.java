package dev.smtpd.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Boot application sends with spring-boot-starter-mail's {@link JavaMailSender};
 * its own {@code @Bean SmtpHandler} receives the message from the auto-configured server.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "smtpd.decode-data=true")
class JavaMailSenderEndToEndTests {

	private static final int PORT = SmtpWire.freePort();

	@DynamicPropertySource
	static void ports(DynamicPropertyRegistry registry) {
		registry.add("smtpd.port", () -> PORT);
		registry.add("smtpd.address", () -> "127.0.0.1");
		registry.add("spring.mail.host", () -> "127.0.0.1");
		registry.add("spring.mail.port", () -> PORT);
	}

	@Autowired
	JavaMailSender mailSender;

	@Autowired
	BlockingQueue<Envelope> received;

	@Test
	void messageSentByJavaMailSenderReachesTheHandlerBean() throws Exception {
		SimpleMailMessage message = new SimpleMailMessage();
		message.setFrom("app@example.com");
		message.setTo("support@example.org", "tickets@example.org");
		message.setSubject("Ticket #42");
		message.setText("Please help.");
		this.mailSender.send(message);
		Envelope envelope = this.received.poll(10, TimeUnit.SECONDS);
		assertThat(envelope).isNotNull();
		assertThat(envelope.mailFrom()).isEqualTo("app@example.com");
		assertThat(envelope.recipientAddresses()).containsExactly("support@example.org", "tickets@example.org");
		assertThat(envelope.decodedContent()).contains("Subject: Ticket #42").contains("Please help.");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class MailApplication {

		@Bean
		BlockingQueue<Envelope> received() {
			return new LinkedBlockingQueue<>();
		}

		@Bean
		SmtpHandler ticketHandler(BlockingQueue<Envelope> received) {
			return new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
						throws Exception {
					// read the content now: it is released when the hook returns
					envelope.decodedContent();
					received.add(envelope);
					return null;
				}

			};
		}

	}

}
