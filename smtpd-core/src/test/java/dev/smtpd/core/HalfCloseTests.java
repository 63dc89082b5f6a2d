package dev.smtpd.core;

import java.util.ArrayList;
import java.util.List;

import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that sends its last commands and shuts down its side of the connection at
 * once, as Exim does after a pipelined {@code BDAT … LAST} and {@code QUIT}: every
 * command is still answered, the message delivered, and then the server closes.
 */
class HalfCloseTests {

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@BeforeEach
	void start() {
		this.server = TestServer.start(this.handler);
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	@Test
	void aBdatMessageAndQuitSentBeforeAHalfCloseAreAnswered() throws Exception {
		String message = "Subject: half\r\n\r\n.body\r\n";
		try (SmtpTestClient client = this.server.connect()) {
			client.sendRaw("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT "
					+ message.length() + " LAST\r\n" + message + "QUIT\r\n");
			client.socket().shutdownOutput();
			assertThat(codes(client, 5)).containsExactly(250, 250, 250, 250, 221);
			assertThat(client.isClosedByServer()).isTrue();
		}
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.text()).isEqualTo(message);
		assertThat(delivery.transfer()).isEqualTo(MessageContent.Transfer.BDAT);
	}

	@Test
	void aDataMessageSentBeforeAHalfCloseWithoutQuitIsAnsweredAndTheServerCloses() throws Exception {
		try (SmtpTestClient client = this.server.connect()) {
			client.sendRaw("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"
					+ "Subject: half\r\n\r\nhi\r\n.\r\nNOOP\r\n");
			client.socket().shutdownOutput();
			assertThat(codes(client, 6)).containsExactly(250, 250, 250, 354, 250, 250);
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.handler.take().text()).isEqualTo("Subject: half\r\n\r\nhi\r\n");
	}

	@Test
	void aHalfCloseInTheMiddleOfAMessageDeliversNothing() throws Exception {
		try (SmtpTestClient client = this.server.connect()) {
			client.sendRaw(
					"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 100 LAST\r\n"
							+ "only part of it");
			client.socket().shutdownOutput();
			assertThat(codes(client, 3)).containsExactly(250, 250, 250);
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.handler.pending()).isZero();
	}

	private static List<Integer> codes(SmtpTestClient client, int count) throws Exception {
		List<Integer> codes = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			codes.add(client.reply().code());
		}
		return codes;
	}

}
