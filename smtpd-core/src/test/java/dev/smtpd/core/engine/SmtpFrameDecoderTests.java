package dev.smtpd.core.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Protocol units for {@link SmtpFrameDecoder} on an {@link EmbeddedChannel}: framing of
 * command lines, the end of DATA (SMTP smuggling), dot-unstuffing and the limits.
 */
@Tag("transport-independent")
class SmtpFrameDecoderTests {

	private static final int MAX_COMMAND = 512;

	private static final int LINE_LIMIT = 1001;

	@TempDir
	Path tempDir;

	private final List<String> frames = new ArrayList<>();

	private long sizeLimit = 0;

	private int memoryThreshold = 1024 * 1024;

	private final List<MessageBuffer> spilled = new ArrayList<>();

	/** Writes spilled chunks: at once by default; a test may queue them instead. */
	private Executor fileExecutor = Runnable::run;

	private int readRequests;

	private EmbeddedChannel channel = newChannel();

	@AfterEach
	void close() {
		this.channel.finishAndReleaseAll();
	}

	private EmbeddedChannel newChannel() {
		SmtpFrameDecoder framer = new SmtpFrameDecoder(MAX_COMMAND, LINE_LIMIT);
		ChannelOutboundHandlerAdapter readCounter = new ChannelOutboundHandlerAdapter() {

			@Override
			public void read(ChannelHandlerContext ctx) {
				SmtpFrameDecoderTests.this.readRequests++;
				ctx.read();
			}

		};
		EmbeddedChannel channel = new EmbeddedChannel(readCounter, framer, new ChannelInboundHandlerAdapter() {

			@Override
			public void channelRead(ChannelHandlerContext ctx, Object msg) {
				Frame frame = (Frame) msg;
				if (frame instanceof Frame.Command command) {
					SmtpFrameDecoderTests.this.frames.add("CMD " + command.line());
					if (command.line().equals("DATA")) {
						framer.startData(SmtpFrameDecoderTests.this.sizeLimit,
								new MessageBuffer(ByteBufAllocator.DEFAULT, SmtpFrameDecoderTests.this.memoryThreshold,
										SmtpFrameDecoderTests.this.tempDir,
										(task) -> SmtpFrameDecoderTests.this.fileExecutor.execute(task),
										Runnable::run));
					}
				}
				else if (frame instanceof Frame.BadCommand bad) {
					SmtpFrameDecoderTests.this.frames.add("BAD " + bad.reply().code());
				}
				else if (frame instanceof Frame.DataEnd end) {
					end.message().whenWritten(() -> received(end));
				}
				framer.resume();
			}

			private void received(Frame.DataEnd end) {
				{
					try {
						SmtpFrameDecoderTests.this.frames.add("MSG " + end.status() + " "
								+ end.message().content().asString(StandardCharsets.ISO_8859_1));
						if (end.message().isSpilled()) {
							SmtpFrameDecoderTests.this.spilled.add(end.message());
						}
					}
					catch (IOException ex) {
						throw new IllegalStateException(ex);
					}
					finally {
						end.message().release();
					}
				}
			}

		});
		channel.config().setAutoRead(false);
		framer.resume();
		return channel;
	}

	private void send(String text) {
		this.channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
	}

	private void sendBytewise(String text) {
		for (int i = 0; i < text.length(); i++) {
			send(text.substring(i, i + 1));
		}
	}

	private void sendBoth(String text, boolean bytewise) {
		if (bytewise) {
			sendBytewise(text);
		}
		else {
			send(text);
		}
	}

	@Test
	void commandsEndWithCrlfWhateverTheChunking() {
		sendBytewise("EHLO a.example\r\nNOOP\r\n");
		send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nQU");
		send("IT\r\n");
		assertThat(this.frames).containsExactly("CMD EHLO a.example", "CMD NOOP", "CMD MAIL FROM:<a@b>",
				"CMD RCPT TO:<c@d>", "CMD QUIT");
	}

	@Test
	void incompleteCommandIsNotDelivered() {
		send("NOOP");
		assertThat(this.frames).isEmpty();
		send("\r");
		assertThat(this.frames).isEmpty();
		send("\n");
		assertThat(this.frames).containsExactly("CMD NOOP");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "NOOP\\nRSET\\r\\n|BAD 500", "NO\\rOP\\r\\n|BAD 500", "NO\\u0000OP\\r\\n|BAD 500",
					"\\nNOOP\\r\\n|BAD 500", "NOOP a\\nb\\r\\n|BAD 501", "NOOP a\\rb\\r\\n|BAD 501",
					"NOOP \\u0000\\r\\n|BAD 501" })
	void nulBareCrOrBareLfInCommandIsRefused500InTheVerb501InTheArguments(String input, String expected) {
		send(unescape(input));
		send("NOOP\r\n");
		assertThat(this.frames).containsExactly(expected, "CMD NOOP");
	}

	@Test
	void utf8CommandIsDecodedAndInvalidUtf8Refused() {
		this.channel
			.writeInbound(Unpooled.wrappedBuffer("RCPT TO:<jøran@example.com>\r\n".getBytes(StandardCharsets.UTF_8)));
		this.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] { 'N', (byte) 0xC3, 'X', '\r', '\n' }));
		this.channel
			.writeInbound(Unpooled.wrappedBuffer(new byte[] { 'N', 'O', 'O', 'P', ' ', (byte) 0xC3, '\r', '\n' }));
		// in the verb: no such command (500); in the arguments: a syntax error (501)
		assertThat(this.frames).containsExactly("CMD RCPT TO:<jøran@example.com>", "BAD 500", "BAD 501");
	}

	@Test
	void overLongCommandIsDiscardedAndTheSessionGoesOn() {
		send("NOOP " + "x".repeat(MAX_COMMAND - 7) + "\r\n");
		send("NOOP " + "x".repeat(MAX_COMMAND - 6) + "\r\n");
		send("NOOP\r\n");
		assertThat(this.frames).hasSize(3);
		assertThat(this.frames.get(0)).startsWith("CMD NOOP x");
		assertThat(this.frames.subList(1, 3)).containsExactly("BAD 500", "CMD NOOP");
	}

	@Test
	void overLongCommandWithCrlfStraddlingTheLimitEndsAtItsCrlf() {
		send("NOOP " + "x".repeat(MAX_COMMAND - 6) + "\r\nRSET\r\n");
		assertThat(this.frames).containsExactly("BAD 500", "CMD RSET");
	}

	@Test
	void endlessCommandLineIsDroppedAsItArrives() {
		for (int i = 0; i < 1000; i++) {
			send("y".repeat(1000) + "\r");
		}
		assertThat(this.frames).isEmpty();
		send("\nNOOP\r\n");
		assertThat(this.frames).containsExactly("BAD 500", "CMD NOOP");
	}

	@Test
	void messageEndsAtCrlfDotCrlf() {
		send("DATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK Subject: hi\r\n\r\nbody\r\n", "CMD QUIT");
	}

	@Test
	void emptyMessage() {
		send("DATA\r\n.\r\nQUIT\r\n");
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK ", "CMD QUIT");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "..leading\\r\\n|.leading\\r\\n", "..\\r\\n|.\\r\\n", "a\\r\\n...\\r\\n|a\\r\\n..\\r\\n",
					".x\\r\\n|x\\r\\n", "a.\\r\\n.b\\r\\n|a.\\r\\nb\\r\\n", ".\\rx\\r\\n|\\rx\\r\\n" })
	void leadingDotsAreRemoved(String body, String expected) {
		for (boolean bytewise : new boolean[] { false, true }) {
			this.frames.clear();
			sendBoth("DATA\r\n" + unescape(body) + ".\r\n", bytewise);
			assertThat(this.frames).containsExactly("CMD DATA", "MSG OK " + unescape(expected));
		}
	}

	/**
	 * Each input holds a fake end of message made of bare LF or bare CR; only the final
	 * CRLF.CRLF may end it, so the "smuggled" MAIL command stays message text.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "a\\n.\\nMAIL FROM:<evil>\\r\\n", "a\\n.\\r\\nMAIL FROM:<evil>\\r\\n",
					"a\\r\\n.\\nMAIL FROM:<evil>\\r\\n", "a\\r.\\rMAIL FROM:<evil>\\r\\n",
					"a\\r.\\r\\nMAIL FROM:<evil>\\r\\n", "a\\n\\n.\\n\\nMAIL FROM:<evil>\\r\\n",
					"a\\r\\n\\n.\\r\\nMAIL FROM:<evil>\\r\\n", "a\\r\\r\\n.\\n\\r\\nMAIL FROM:<evil>\\r\\n" })
	void onlyCrlfDotCrlfEndsTheMessage(String body) {
		String input = "DATA\r\n" + unescape(body) + ".\r\nNOOP\r\n";
		// whole, byte by byte, and split in two reads at every offset
		for (int split = -1; split < input.length(); split++) {
			this.frames.clear();
			if (split < 0) {
				sendBytewise(input);
			}
			else {
				send(input.substring(0, split));
				send(input.substring(split));
			}
			assertThat(this.frames).as("split at %d", split).hasSize(3);
			assertThat(this.frames.get(0)).isEqualTo("CMD DATA");
			assertThat(this.frames.get(1)).startsWith("MSG OK a").contains("MAIL FROM:<evil>");
			assertThat(this.frames.get(2)).isEqualTo("CMD NOOP");
		}
	}

	@Test
	void messageOverTheSizeLimitIsDrainedAndRefusedAtTheEnd() {
		this.sizeLimit = 100;
		send("DATA\r\n");
		for (int i = 0; i < 100; i++) {
			send("x".repeat(78) + "\r\n");
		}
		send(".\r\nNOOP\r\n");
		assertThat(this.frames).hasSize(3);
		assertThat(this.frames.get(1)).startsWith("MSG TOO_BIG");
		assertThat(this.frames.get(1).length()).isLessThan(130);
		assertThat(this.frames.get(2)).isEqualTo("CMD NOOP");
	}

	@Test
	void messageOfExactlyTheLimitIsAccepted() {
		this.sizeLimit = 10;
		send("DATA\r\n12345678\r\n.\r\n");
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK 12345678\r\n");
	}

	@Test
	void overLongLineInDataIsReportedAfterTheFinalDot() {
		send("DATA\r\nshort\r\n" + "z".repeat(LINE_LIMIT - 1) + "\r\nok\r\n.\r\nNOOP\r\n");
		assertThat(this.frames).hasSize(3);
		assertThat(this.frames.get(1)).startsWith("MSG LINE_TOO_LONG");
		assertThat(this.frames.get(2)).isEqualTo("CMD NOOP");
	}

	@Test
	void lineOfExactlyTheLimitIsAccepted() {
		String line = "z".repeat(LINE_LIMIT - 2) + "\r\n";
		send("DATA\r\n" + line + ".\r\n");
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK " + line);
	}

	@Test
	void largeMessageSpillsToTemporaryFileThatIsDeletedOnRelease() throws IOException {
		this.memoryThreshold = 64;
		String body = "line of the large message\r\n".repeat(100);
		send("DATA\r\n" + body.substring(0, 50));
		send(body.substring(50) + ".\r\n");
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK " + body);
		assertThat(this.spilled).hasSize(1);
		try (var files = Files.list(this.tempDir)) {
			assertThat(files).isEmpty();
		}
	}

	@Test
	void aSpillTheDiskHasNotTakenYetStopsReadingUntilItCatchesUp() throws IOException {
		this.memoryThreshold = 1024;
		List<Runnable> fileTasks = new ArrayList<>();
		this.fileExecutor = fileTasks::add;
		String chunk = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n".repeat(128);
		StringBuilder body = new StringBuilder();
		send("DATA\r\n");
		int chunks = 0;
		int readsBefore;
		do {
			readsBefore = this.readRequests;
			send(chunk);
			body.append(chunk);
			chunks++;
		}
		while (this.readRequests > readsBefore && chunks < 100);
		// backed up: the last chunk was decoded but asked for no more bytes
		assertThat(chunks).isLessThan(100);
		assertThat((long) body.length()).isGreaterThan(MessageBuffer.MAX_QUEUED);
		assertThat(fileTasks).hasSize(1);
		int readsWhileBackedUp = this.readRequests;
		while (!fileTasks.isEmpty()) {
			fileTasks.remove(0).run();
		}
		assertThat(this.readRequests).isGreaterThan(readsWhileBackedUp);
		send(".\r\n");
		while (!fileTasks.isEmpty()) {
			fileTasks.remove(0).run();
		}
		assertThat(this.frames).containsExactly("CMD DATA", "MSG OK " + body);
		assertThat(this.spilled).hasSize(1);
		while (!fileTasks.isEmpty()) {
			fileTasks.remove(0).run();
		}
		try (var files = Files.list(this.tempDir)) {
			assertThat(files).isEmpty();
		}
	}

	@Test
	void pipelinedCommandsWaitUntilTheSessionResumes() {
		SmtpFrameDecoder framer = new SmtpFrameDecoder(MAX_COMMAND, LINE_LIMIT);
		List<String> seen = new ArrayList<>();
		EmbeddedChannel channel = new EmbeddedChannel(framer, new ChannelInboundHandlerAdapter() {

			@Override
			public void channelRead(ChannelHandlerContext ctx, Object msg) {
				seen.add(((Frame.Command) msg).line());
			}

		});
		framer.resume();
		channel.writeInbound(
				Unpooled.copiedBuffer("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", StandardCharsets.US_ASCII));
		assertThat(seen).containsExactly("MAIL FROM:<a@b>");
		framer.resume();
		assertThat(seen).containsExactly("MAIL FROM:<a@b>", "RCPT TO:<c@d>");
		assertThat(framer.discardBuffered()).isEqualTo("DATA\r\n".length());
		framer.resume();
		assertThat(seen).hasSize(2);
		channel.finishAndReleaseAll();
	}

	@Test
	void connectionClosedInDataReleasesTheMessage() {
		this.memoryThreshold = 16;
		send("DATA\r\n" + "partial message text\r\n".repeat(10));
		this.channel.close();
		assertThat(this.frames).containsExactly("CMD DATA");
		try (var files = Files.list(this.tempDir)) {
			assertThat(files).isEmpty();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String unescape(String s) {
		return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\0");
	}

}
