package dev.smtpd.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CHUNKING (RFC 3030) over a real socket: BDAT chunks stored as they are, one reply per
 * BDAT, the chunk always consumed, the size counted against the limit.
 */
class ChunkingTests {

	private final RecordingHandler handler = new RecordingHandler();

	private @Nullable TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private SmtpTestClient connect(java.util.function.Consumer<SmtpServer.Builder> customizer) throws Exception {
		this.server = TestServer.start((builder) -> {
			builder.handler(this.handler);
			customizer.accept(builder);
		});
		SmtpTestClient client = this.server.connect();
		client.ehlo();
		return client;
	}

	private SmtpTestClient connect() throws Exception {
		return connect((builder) -> {
		});
	}

	@Test
	void chunksAreStoredAsTheyAreAndConcatenated() throws Exception {
		// bare LF, bare CR, a line that is only a dot, a leading dot: all content under
		// BDAT
		String first = "Subject: chunks\r\n\r\n.\r\n..dots\nbare";
		String second = "\rcarriage\r\n";
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("EHLO client.example", 250).lines()).contains("250-CHUNKING");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT " + first.length() + "\r\n" + first);
			assertThat(client.reply().lines()).containsExactly("250 2.0.0 " + first.length() + " octets received");
			client.sendRaw("BDAT " + second.length() + " LAST\r\n" + second);
			assertThat(client.reply().lines()).containsExactly("250 2.0.0 OK");
		}
		assertThat(this.handler.take().content()).isEqualTo((first + second).getBytes(StandardCharsets.US_ASCII));
	}

	@Test
	void bdatZeroLastEndsTheMessageAndPipelinedChunksAreAnsweredInOrder() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.sendRaw("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 3\r\nabcBDAT 4\r\ndefg"
					+ "BDAT 0 LAST\r\nNOOP\r\n");
			assertThat(codes(client, 6)).containsExactly(250, 250, 250, 250, 250, 250);
		}
		assertThat(this.handler.take().text()).isEqualTo("abcdefg");
	}

	@Test
	void aRefusedChunkIsStillConsumedAndNeverRunAsCommands() throws Exception {
		try (SmtpTestClient client = connect()) {
			String chunk = "QUIT\r\n";
			client.sendRaw("BDAT " + chunk.length() + "\r\n" + chunk);
			assertThat(client.reply().lines()).containsExactly("503 5.5.1 Error: need MAIL command");
			// the QUIT inside the chunk was content, not a command
			assertThat(client.command("NOOP", 250).text()).isEqualTo("2.0.0 OK");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.sendRaw("BDAT " + chunk.length() + " LAST\r\n" + chunk);
			assertThat(client.reply().lines()).containsExactly("503 5.5.1 Error: need RCPT command");
			client.command("NOOP", 250);
		}
	}

	@Test
	void chunksOverTheSizeLimitAreDrainedAndTheTransactionGets552() throws Exception {
		try (SmtpTestClient client = connect((builder) -> builder.dataSizeLimit(100))) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 80\r\n" + "x".repeat(80));
			assertThat(client.reply().code()).isEqualTo(250);
			client.sendRaw("BDAT 80\r\n" + "y".repeat(80));
			assertThat(client.reply().code()).isEqualTo(552);
			client.sendRaw("BDAT 10 LAST\r\n" + "z".repeat(10));
			assertThat(client.reply().code()).isEqualTo(552);
			// the session goes on, with a new transaction
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 5 LAST\r\nsmall");
			assertThat(client.reply().code()).isEqualTo(250);
		}
		assertThat(this.handler.take().text()).isEqualTo("small");
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void dataAfterBdatIsRefusedAndRsetDiscardsAPartialMessage() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 7\r\npartial");
			assertThat(client.reply().code()).isEqualTo(250);
			client.command("DATA", 503);
			client.command("RSET", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 5 LAST\r\nwhole");
			assertThat(client.reply().code()).isEqualTo(250);
		}
		assertThat(this.handler.take().text()).isEqualTo("whole");
	}

	@Test
	void aSizeThatCannotFrameTheChunkIsAnsweredAndTheConnectionClosed() throws Exception {
		for (String bad : List.of("BDAT", "BDAT ten", "BDAT -5", "BDAT 1234567890123456789", "BDAT 5 FIRST")) {
			try (SmtpTestClient client = connect()) {
				client.command("MAIL FROM:<a@example.com>", 250);
				client.sendRaw(bad + "\r\nQUIT\r\n");
				assertThat(client.reply().lines()).as(bad).containsExactly("501 5.5.4 Syntax: BDAT <size> [LAST]");
				assertThat(client.isClosedByServer()).as(bad).isTrue();
			}
			stop();
		}
	}

	@Test
	void aLargeChunkedMessageSpillsToDiskExactly() throws Exception {
		byte[] body = new byte[300 * 1024];
		Arrays.fill(body, (byte) 'm');
		for (int i = 0; i < body.length; i += 97) {
			body[i] = (byte) ((i % 2 == 0) ? '\n' : '.');
		}
		try (SmtpTestClient client = connect((builder) -> builder.memoryThreshold(1024))) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			int half = body.length / 2;
			client.sendRaw(("BDAT " + half + "\r\n").getBytes(StandardCharsets.US_ASCII));
			client.sendRaw(Arrays.copyOfRange(body, 0, half));
			assertThat(client.reply().code()).isEqualTo(250);
			client.sendRaw(("BDAT " + (body.length - half) + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
			client.sendRaw(Arrays.copyOfRange(body, half, body.length));
			assertThat(client.reply().code()).isEqualTo(250);
		}
		assertThat(this.handler.take().content()).isEqualTo(body);
	}

	@Test
	void aMessageOfManyBlocksInMemoryIsExactWhicheverWayItCame() throws Exception {
		// 300 KiB under the default 1 MiB threshold: several 64 KiB blocks of the buffer,
		// chunks that end inside a block
		StringBuilder text = new StringBuilder("Subject: blocks\r\n\r\n");
		for (int line = 0; text.length() < 300 * 1024; line++) {
			text.append((line % 7 == 0) ? "." : "").append(Integer.toString(line).repeat(9)).append("\r\n");
		}
		String message = text.toString();
		byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			assertThat(client.data(message.replace("\r\n.", "\r\n..")).code()).isEqualTo(250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			int chunk = 45_000;
			for (int start = 0; start < bytes.length; start += chunk) {
				int end = Math.min(bytes.length, start + chunk);
				client.sendRaw(("BDAT " + (end - start) + ((end == bytes.length) ? " LAST" : "") + "\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				client.sendRaw(Arrays.copyOfRange(bytes, start, end));
				assertThat(client.reply().code()).isEqualTo(250);
			}
		}
		for (MessageContent.Transfer transfer : List.of(MessageContent.Transfer.DATA, MessageContent.Transfer.BDAT)) {
			RecordingHandler.Delivery delivery = this.handler.take();
			assertThat(delivery.transfer()).isEqualTo(transfer);
			assertThat(delivery.description()).contains("in memory");
			assertThat(delivery.content()).isEqualTo(bytes);
		}
	}

	@Test
	void theDataHookIsToldHowTheMessageArrivedInMemoryAndInAFile() throws Exception {
		String small = "Subject: small\r\n\r\nhi\r\n";
		String large = "Subject: large\r\n\r\n" + ("x".repeat(78) + "\r\n").repeat(50);
		try (SmtpTestClient client = connect((builder) -> builder.memoryThreshold(1024))) {
			for (String message : List.of(small, large)) {
				client.command("MAIL FROM:<a@example.com> BODY=8BITMIME", 250);
				client.command("RCPT TO:<b@example.org>", 250);
				assertThat(client.data(message).code()).isEqualTo(250);
				client.command("MAIL FROM:<a@example.com>", 250);
				client.command("RCPT TO:<b@example.org>", 250);
				client.sendRaw("BDAT " + message.length() + " LAST\r\n" + message);
				assertThat(client.reply().code()).isEqualTo(250);
			}
		}
		for (String where : List.of("in memory", "in a temporary file")) {
			RecordingHandler.Delivery data = this.handler.take();
			assertThat(data.transfer()).isEqualTo(MessageContent.Transfer.DATA);
			assertThat(data.bodyType()).isEqualTo(BodyType.EIGHT_BIT_MIME);
			assertThat(data.description()).contains(where);
			RecordingHandler.Delivery bdat = this.handler.take();
			assertThat(bdat.transfer()).isEqualTo(MessageContent.Transfer.BDAT);
			assertThat(bdat.bodyType()).isEqualTo(BodyType.SEVEN_BIT);
			assertThat(bdat.description()).contains(where);
		}
	}

	@Test
	void withoutChunkingBdatIsNotAdvertisedAndItsChunkIsStillConsumed() throws Exception {
		try (SmtpTestClient client = connect((builder) -> builder.chunking(false))) {
			assertThat(client.command("EHLO client.example", 250).lines()).doesNotContain("250-CHUNKING");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 6 LAST\r\nQUIT\r\n");
			assertThat(client.reply().code()).isEqualTo(502);
			client.command("NOOP", 250);
		}
	}

	@Test
	void aBdatRefusedForWantOfAuthStillConsumesItsChunk() throws Exception {
		try (SmtpTestClient client = connect((builder) -> builder.authRequired(true)
			.authRequireTls(false)
			.authenticator((session, mechanism, credentials) -> dev.smtpd.core.auth.AuthResult.failure()))) {
			client.sendRaw("BDAT 6\r\nQUIT\r\n");
			assertThat(client.reply().code()).isEqualTo(530);
			client.command("NOOP", 250);
		}
	}

	@Test
	void underLmtpTheLastChunkIsAnsweredOncePerRecipient() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).protocol(Protocol.LMTP));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("LHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.command("RCPT TO:<c@example.org>", 250);
			client.sendRaw("BDAT 4 LAST\r\nlmtp");
			assertThat(codes(client, 2)).containsExactly(250, 250);
			client.command("NOOP", 250);
		}
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.text()).isEqualTo("lmtp");
		assertThat(delivery.transfer()).isEqualTo(MessageContent.Transfer.BDAT);
	}

	@Test
	void binarymimeIsAcceptedOnlyWhenOfferedAndOnlyWithBdat() throws Exception {
		try (SmtpTestClient client = connect()) {
			assertThat(client.command("EHLO client.example", 250).lines()).doesNotContain("250-BINARYMIME");
			client.command("MAIL FROM:<a@example.com> BODY=BINARYMIME", 555);
		}
		stop();
		byte[] binary = { 0, 1, 2, '\r', '.', '\r', '\n', (byte) 0xff, '\n' };
		try (SmtpTestClient client = connect((builder) -> builder.binarymime(true))) {
			assertThat(client.command("EHLO client.example", 250).lines()).contains("250-BINARYMIME");
			client.command("MAIL FROM:<a@example.com> BODY=BINARYMIME", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			assertThat(client.command("DATA", 503).text()).contains("BDAT");
			client.sendRaw(("BDAT " + binary.length + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
			client.sendRaw(binary);
			assertThat(client.reply().code()).isEqualTo(250);
		}
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.options().body()).isEqualTo(BodyType.BINARYMIME);
		assertThat(delivery.bodyType()).isEqualTo(BodyType.BINARYMIME);
		assertThat(delivery.transfer()).isEqualTo(MessageContent.Transfer.BDAT);
		assertThat(delivery.content()).isEqualTo(binary);
	}

	@Test
	void binarymimeWithoutChunkingIsABadSetting() {
		org.assertj.core.api.Assertions.assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> SmtpServer.builder().chunking(false).binarymime(true).build())
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("binarymime"));
	}

	@Test
	void underLmtpARefusedLastChunkIsAnsweredOncePerRecipient() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).protocol(Protocol.LMTP).dataSizeLimit(100));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("LHLO client.example", 250);
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.command("RCPT TO:<c@example.org>", 250);
			client.command("RCPT TO:<d@example.org>", 250);
			client.sendRaw("BDAT 80\r\n" + "x".repeat(80));
			assertThat(client.reply().code()).isEqualTo(250);
			client.sendRaw("BDAT 80 LAST\r\n" + "y".repeat(80));
			assertThat(codes(client, 3)).containsExactly(552, 552, 552);
			assertThat(client.command("NOOP", 250).text()).isEqualTo("2.0.0 OK");
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	void aChunkRefusedInTheMiddleOfAMessageFailsTheWholeMessage() throws Exception {
		try (SmtpTestClient client = connect()) {
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.org>", 250);
			client.sendRaw("BDAT 3\r\nabc");
			assertThat(client.reply().code()).isEqualTo(250);
			// a command line over the limit: refused, its chunk still consumed
			client.sendRaw("BDAT 3" + " ".repeat(600) + "\r\ndef");
			assertThat(client.reply().code()).isEqualTo(500);
			client.sendRaw("BDAT 3 LAST\r\nghi");
			assertThat(client.reply().code()).isEqualTo(552);
			client.command("NOOP", 250);
		}
		assertThat(this.handler.pending()).isZero();
	}

	private static List<Integer> codes(SmtpTestClient client, int count) throws Exception {
		Integer[] codes = new Integer[count];
		for (int i = 0; i < count; i++) {
			codes[i] = client.reply().code();
		}
		return List.of(codes);
	}

}
