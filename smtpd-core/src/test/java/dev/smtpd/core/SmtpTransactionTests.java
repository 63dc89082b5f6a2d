package dev.smtpd.core;

import java.nio.charset.StandardCharsets;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.test.RecordingHandler.Delivery;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MAIL, RCPT, DATA and RSET over a real socket: reply codes and the bytes a handler
 * receives.
 */
class SmtpTransactionTests {

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private SmtpTestClient connect() throws Exception {
		if (this.server == null) {
			this.server = TestServer.start(this.handler);
		}
		SmtpTestClient client = this.server.connect();
		client.ehlo();
		return client;
	}

	@Test
	void messageIsDeliveredDotUnstuffedAndExact() throws Exception {
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("MAIL FROM:<alice@example.com>", 250).text()).isEqualTo("2.1.0 OK");
			assertThat(client.command("RCPT TO:<bob@example.org>", 250).text()).isEqualTo("2.1.5 OK");
			client.command("RCPT TO:<carol@example.org>", 250);
			assertThat(client.command("DATA", 354).text()).isEqualTo("End data with <CR><LF>.<CR><LF>");
			client.sendRaw("Subject: hi\r\n\r\n..leading dot\r\n.\r\n");
			assertThat(client.expect(250).text()).isEqualTo("2.0.0 OK");
		}
		Delivery delivery = this.handler.take();
		assertThat(delivery.mailFrom()).isEqualTo("alice@example.com");
		assertThat(delivery.recipients()).containsExactly("bob@example.org", "carol@example.org");
		assertThat(delivery.text()).isEqualTo("Subject: hi\r\n\r\n.leading dot\r\n");
		assertThat(delivery.heloName()).isEqualTo("client.example");
	}

	@Test
	void hooksRunOffTheEventLoop() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<>", 250);
			client.command("RCPT TO:<bob@example.org>", 250);
			client.data("x\r\n");
		}
		assertThat(this.handler.take().thread()).startsWith("smtpd-hook-");
	}

	@Test
	void nullSenderAndMailParametersAreRecorded() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<> SIZE=100 BODY=8BITMIME", 250);
			client.command("RCPT TO:<bob@example.org>", 250);
			client.data("x\r\n");
		}
		Delivery delivery = this.handler.take();
		assertThat(delivery.mailFrom()).isEmpty();
		assertThat(delivery.options().size()).isEqualTo(100L);
		assertThat(delivery.options().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
	}

	@Test
	void emptyMessageIsDelivered() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw(".\r\n").expect(250);
		}
		assertThat(this.handler.take().content()).isEmpty();
	}

	@Test
	void commandsOutOfOrderGet503() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("MAIL FROM:<a@example.com>", 503).text())
				.isEqualTo("5.5.1 Error: send HELO first");
			client.ehlo();
			assertThat(client.command("RCPT TO:<b@example.com>", 503).text())
				.isEqualTo("5.5.1 Error: need MAIL command");
			assertThat(client.command("DATA", 503).text()).isEqualTo("5.5.1 Error: need MAIL command");
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("MAIL FROM:<a@example.com>", 503).text())
				.isEqualTo("5.5.1 Error: nested MAIL command");
			assertThat(client.command("DATA", 503).text()).isEqualTo("5.5.1 Error: need RCPT command");
		}
	}

	@Test
	void badArgumentsGet501And555() throws Exception {
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("MAIL TO:<a@example.com>", 501).text()).startsWith("5.5.4");
			assertThat(client.command("MAIL FROM:<a@@example.com>", 501).text()).startsWith("5.1.7");
			assertThat(client.command("MAIL FROM:<a@example.com> FOO=BAR", 555).text()).startsWith("5.5.4");
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<>", 501).text()).startsWith("5.1.3");
			assertThat(client.command("RCPT TO:<b@example.com> FOO=BAR", 555).text()).startsWith("5.5.4");
			assertThat(client.command("DATA now", 501).text()).isEqualTo("5.5.4 Syntax: DATA");
		}
	}

	@Test
	void heloClientCannotUseMailParameters() throws Exception {
		this.server = TestServer.start(this.handler);
		try (SmtpTestClient client = this.server.connect()) {
			client.command("HELO client.example", 250);
			client.command("MAIL FROM:<a@example.com> SIZE=10", 555);
			client.command("MAIL FROM:<a@example.com>", 250);
		}
	}

	@Test
	void declaredSizeOverLimitGets552() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dataSizeLimit(1000));
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("MAIL FROM:<a@example.com> SIZE=1001", 552).text()).startsWith("5.3.4");
			client.command("MAIL FROM:<a@example.com> SIZE=1000", 250);
		}
	}

	@Test
	void messageOverLimitIsDrainedAndAnswered552() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dataSizeLimit(1000));
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			String big = "x".repeat(98) + "\r\n";
			assertThat(client.data(big.repeat(20)).code()).isEqualTo(552);
			// the session goes on
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data(big.repeat(10)).code()).isEqualTo(250);
		}
		assertThat(this.handler.take().content()).hasSize(1000);
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void overlongLineInDataIsAnswered500AfterTheFinalDot() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("y".repeat(1000) + "\r\n").text()).startsWith("5.5.2 Line too long");
			client.command("NOOP", 250);
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void lineOfExactlyTheLimitIsAccepted() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("y".repeat(999) + "\r\n").code()).isEqualTo(250);
		}
		assertThat(this.handler.take().content()).hasSize(1001);
	}

	@Test
	void maxRecipientsGets452() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).maxRecipients(2));
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b1@example.com>", 250);
			client.command("RCPT TO:<b2@example.com>", 250);
			assertThat(client.command("RCPT TO:<b3@example.com>", 452).text()).isEqualTo("4.5.3 Too many recipients");
			client.data("x\r\n");
		}
		assertThat(this.handler.take().recipients()).hasSize(2);
	}

	@Test
	void rsetClearsTransaction() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RSET", 250).text()).isEqualTo("2.0.0 OK");
			client.command("RCPT TO:<b@example.com>", 503);
			client.command("RSET now", 501);
			client.command("MAIL FROM:<a@example.com>", 250);
		}
	}

	@Test
	void pipelinedCommandsAreAnsweredInOrder() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.sendRaw("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<>\r\n"
					+ "RCPT TO:<c@example.com>\r\nDATA\r\n");
			assertThat(client.expect(250).text()).isEqualTo("2.1.0 OK");
			client.expect(250);
			client.expect(501);
			client.expect(250);
			client.expect(354);
			client.sendRaw("Subject: pipelined\r\n\r\nbody\r\n.\r\nMAIL FROM:<d@example.com>\r\nRSET\r\nQUIT\r\n");
			client.expect(250);
			client.expect(250);
			client.expect(250);
			client.expect(221);
		}
		Delivery delivery = this.handler.take();
		assertThat(delivery.recipients()).containsExactly("b@example.com", "c@example.com");
		assertThat(delivery.content()).isEqualTo("Subject: pipelined\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void decodedContentIsGivenWhenDecodeDataIsOn() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).decodeData(true).smtputf8(true));
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com> SMTPUTF8", 250);
			client.command("RCPT TO:<j\u00f6rg@example.com>", 250);
			client.data("Subject: gr\u00fc\u00dfe\r\n");
		}
		Delivery delivery = this.handler.take();
		assertThat(delivery.decoded()).isEqualTo("Subject: gr\u00fc\u00dfe\r\n");
		assertThat(delivery.recipients()).containsExactly("j\u00f6rg@example.com");
	}

	@Test
	void nonAsciiAddressWithoutSmtputf8IsRefused() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).smtputf8(true));
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("MAIL FROM:<j\u00f6rg@example.com>", 553).text()).startsWith("5.6.7");
		}
	}

	@Test
	void aMessageSpilledToDiskIsAnsweredAtOnceWithoutADataHook() throws Exception {
		// no handler overrides the DATA hook: the reply goes out from the task that saw
		// the
		// last chunk written, not from a read
		this.server = TestServer.start((builder) -> builder.memoryThreshold(1024));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			String body = "Subject: large\r\n\r\n" + "0123456789abcdef".repeat(4).concat("\r\n").repeat(5000);
			assertThat(client.data(body).code()).isEqualTo(250);
			client.command("NOOP", 250);
		}
	}

	@Test
	void aSpilledMessageOverTheSizeLimitIsRefusedAtOnce() throws Exception {
		this.server = TestServer.start((builder) -> builder.memoryThreshold(1024).dataSizeLimit(100_000));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			String body = "0123456789abcdef".repeat(4).concat("\r\n").repeat(5000);
			assertThat(client.data(body).code()).isEqualTo(552);
			client.command("NOOP", 250);
		}
	}

}
