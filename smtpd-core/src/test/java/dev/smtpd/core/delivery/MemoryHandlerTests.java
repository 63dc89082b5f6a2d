package dev.smtpd.core.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The memory handler behind a real server, driven by a socket client.
 */
class MemoryHandlerTests {

	private static void send(SmtpTestClient client, String greeting, String from, List<String> to, String body)
			throws Exception {
		client.command(greeting + " client.example", 250);
		client.command("MAIL FROM:<" + from + ">", 250);
		for (String recipient : to) {
			client.command("RCPT TO:<" + recipient + ">", 250);
		}
		client.command("DATA", 354);
		client.sendRaw("Subject: " + body + "\r\n\r\n" + body + "\r\n.\r\n");
	}

	@Test
	void whenMessageSentThenItIsKeptWithItsEnvelopeAndBytes() throws Exception {
		MemoryHandler memory = new MemoryHandler();
		try (TestServer server = TestServer.start((builder) -> builder.handler(memory));
				SmtpTestClient client = server.connect()) {
			send(client, "EHLO", "alice@example.com", List.of("bob@example.com", "carol@example.com"), "one");
			client.expect(250);
			List<StoredMessage> messages = memory.awaitMessages(1, Duration.ofSeconds(5));
			assertThat(messages).hasSize(1);
			StoredMessage message = messages.get(0);
			assertThat(message.mailFrom()).isEqualTo("alice@example.com");
			assertThat(message.recipients()).containsExactly("bob@example.com", "carol@example.com");
			assertThat(message.heloName()).isEqualTo("client.example");
			assertThat(message.login()).isNull();
			assertThat(message.tlsProtocol()).isNull();
			assertThat(message.clientAddress().getAddress().isLoopbackAddress()).isTrue();
			assertThat(new String(message.content(), StandardCharsets.US_ASCII))
				.isEqualTo("Subject: one\r\n\r\none\r\n");
			assertThat(memory.messagesFor("CAROL@example.com")).containsExactly(message);
			assertThat(memory.messagesFor("dave@example.com")).isEmpty();
		}
	}

	@Test
	void whenMoreMessagesThanTheBoundThenTheOldestAreDropped() throws Exception {
		MemoryHandler memory = new MemoryHandler(2);
		try (TestServer server = TestServer.start((builder) -> builder.handler(memory));
				SmtpTestClient client = server.connect()) {
			for (String body : List.of("one", "two", "three")) {
				send(client, "EHLO", "a@example.com", List.of("b@example.com"), body);
				client.expect(250);
			}
		}
		assertThat(memory.messages()).extracting((message) -> new String(message.content(), StandardCharsets.US_ASCII))
			.containsExactly("Subject: two\r\n\r\ntwo\r\n", "Subject: three\r\n\r\nthree\r\n");
		assertThat(memory.droppedCount()).isEqualTo(1);
		memory.clear();
		assertThat(memory.size()).isZero();
		assertThat(memory.droppedCount()).isZero();
	}

	@Test
	void whenFewerMessagesArriveThanAwaitedThenTheWaitEndsAtTheTimeout() throws Exception {
		MemoryHandler memory = new MemoryHandler();
		assertThat(memory.awaitMessages(1, Duration.ofMillis(50))).isEmpty();
	}

	@Test
	void whenLmtpThenTheMessageIsKeptOnceAndEachRecipientIsAnswered() throws Exception {
		MemoryHandler memory = new MemoryHandler();
		try (TestServer server = TestServer.start((builder) -> builder.protocol(Protocol.LMTP).handler(memory));
				SmtpTestClient client = server.connect()) {
			send(client, "LHLO", "a@example.com", List.of("b@example.com", "c@example.com"), "lmtp");
			client.expect(250);
			client.expect(250);
		}
		assertThat(memory.messages()).singleElement()
			.satisfies((message) -> assertThat(message.recipients()).containsExactly("b@example.com", "c@example.com"));
	}

	@Test
	void whenBoundIsNotPositiveThenCreationFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> new MemoryHandler(0)).withMessageContaining("at least 1");
	}

}
