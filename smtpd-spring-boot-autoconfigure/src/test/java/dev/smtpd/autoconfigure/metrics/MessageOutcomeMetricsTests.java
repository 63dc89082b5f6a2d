package dev.smtpd.autoconfigure.metrics;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.observation.SmtpdObservationAutoConfiguration;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.handler.DropConnectionException;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a message counts as in {@code smtpd.messages} and the transaction observation,
 * whatever the protocol: an LMTP message accepted for any recipient is accepted, one
 * dropped before any reply is neither, and a refused RSET or HELO ends no transaction.
 */
class MessageOutcomeMetricsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1");

	@Test
	void anLmtpMessageAcceptedForAnyRecipientIsCountedAccepted() {
		this.runner.withBean(SmtpHandler.class, () -> new SmtpHandler() {

			@Override
			public Reply deliver(Session session, Envelope envelope, Recipient recipient, MessageContent content) {
				return recipient.address().startsWith("full") ? Reply.of(552, "5.2.2", "Mailbox full") : Reply.OK;
			}

		}).withPropertyValues("smtpd.protocol=lmtp").run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			String wire = conversation(server.port(), "LHLO client.example", "MAIL FROM:<a@example.com>",
					"RCPT TO:<full@example.com>", "RCPT TO:<ok@example.com>", "DATA", "Subject: x", "", "hi", ".",
					"QUIT");
			assertThat(wire).contains("552 5.2.2").contains("250 2.0.0");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(registry.find("smtpd.sessions").timers()).isNotEmpty());
			assertThat(registry.get("smtpd.messages").tag("result", "accepted").counter().count()).isEqualTo(1);
			assertThat(registry.find("smtpd.messages").tag("result", "rejected").counter()).isNull();
			assertThat(server.statistics().messagesAccepted()).isEqualTo(1);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "smtp", "lmtp" })
	void aMessageDroppedBeforeAnyReplyIsNeitherAcceptedNorRejected(String protocol) {
		this.runner.withBean(SmtpHandler.class, () -> new SmtpHandler() {

			@Override
			public Reply data(Session session, Envelope envelope, MessageContent content) {
				throw new DropConnectionException();
			}

		}).withPropertyValues("smtpd.protocol=" + protocol).run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			conversation(server.port(), (protocol.equals("lmtp") ? "LHLO" : "EHLO") + " client.example",
					"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA", "Subject: x", "", "hi", ".",
					"QUIT");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(registry.find("smtpd.sessions").timers()).isNotEmpty());
			assertThat(registry.find("smtpd.messages").counters()).isEmpty();
			assertThat(server.statistics().messagesRejected()).isZero();
		});
	}

	@Test
	void aRefusedRsetOrHeloEndsNoTransactionObservation() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdObservationAutoConfiguration.class))
			.withBean(TestObservationRegistry.class, () -> registry)
			.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink")
			.run((context) -> {
				String wire = conversation(context.getBean(SmtpServer.class).port(), "EHLO client.example",
						"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "RSET now", "HELO",
						"RCPT TO:<c@example.com>", "DATA", "Subject: x", "", "hello", ".", "QUIT");
				assertThat(wire).contains("501 5.5.4 Syntax: RSET").contains("250 2.0.0");
				await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
					.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1));
				TestObservationRegistryAssert.assertThat(registry)
					.hasNumberOfObservationsWithNameEqualTo("smtpd.transaction", 1)
					.hasObservationWithNameEqualTo("smtpd.transaction")
					.that()
					.hasLowCardinalityKeyValue("smtpd.result", "accepted")
					.hasHighCardinalityKeyValue("smtpd.recipients", "2");
			});
	}

	/** Sends the lines at once (PIPELINING-style) and reads until the server closes. */
	private static String conversation(int port, String... lines) throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			out.write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.US_ASCII));
			return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
		}
	}

}
