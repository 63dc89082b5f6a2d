package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Message decoding: a 1 MiB message of 78-character lines fed through
 * {@link SmtpFrameDecoder} on an {@link EmbeddedChannel} in reads of {@code readSize}
 * bytes, as a socket would deliver it, and copied into a {@link MessageBuffer} held in
 * memory. With {@code transfer=DATA} every tenth line is dot-stuffed and the decoder
 * finds the end of the message and removes the stuffed dots; with {@code BDAT} the
 * message goes as one {@code BDAT <size> LAST} chunk, with {@code BDAT64} in 64 KiB
 * chunks, each a command and a chunk, taken as they are. Throughput is reported per
 * kibibyte, so {@code ops/ms} reads as roughly MB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class DataDecoderBenchmark {

	private static final int MESSAGE_KIB = 1024;

	@Param({ "16384", "65536" })
	public int readSize;

	@Param({ "DATA", "BDAT", "BDAT64" })
	public String transfer;

	private byte[] wire;

	private EmbeddedChannel channel;

	private MessageSink sink;

	@Setup
	public void setUp() {
		this.wire = switch (this.transfer) {
			case "DATA" -> wire(MESSAGE_KIB * 1024);
			case "BDAT" -> chunks(MESSAGE_KIB * 1024, MESSAGE_KIB * 1024);
			case "BDAT64" -> chunks(MESSAGE_KIB * 1024, 64 * 1024);
			default -> throw new IllegalArgumentException(this.transfer);
		};
		SmtpFrameDecoder decoder = new SmtpFrameDecoder(512, 1001);
		this.sink = new MessageSink(decoder);
		this.channel = new EmbeddedChannel(decoder, this.sink);
		decoder.resume();
	}

	@TearDown
	public void tearDown() {
		this.channel.finishAndReleaseAll();
	}

	@Benchmark
	@OperationsPerInvocation(MESSAGE_KIB)
	public long decodeMessage() {
		long before = this.sink.messages;
		for (int offset = 0; offset < this.wire.length; offset += this.readSize) {
			int length = Math.min(this.readSize, this.wire.length - offset);
			this.channel.writeInbound(Unpooled.wrappedBuffer(this.wire, offset, length));
		}
		if (this.sink.messages != before + 1 || this.sink.bytes < MESSAGE_KIB * 1024L * 9 / 10) {
			throw new IllegalStateException("Message not decoded: " + this.sink.bytes + " bytes");
		}
		return this.sink.bytes;
	}

	/**
	 * Returns {@code DATA}, then a message of about {@code size} bytes as sent on the
	 * wire, then the final dot.
	 */
	private static byte[] wire(int size) {
		StringBuilder text = new StringBuilder(size + size / 500 + 64);
		text.append("DATA\r\n");
		text.append("From: <sender@example.com>\r\nTo: <rcpt@example.org>\r\nSubject: benchmark\r\n\r\n");
		String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
		for (int line = 0; text.length() < size; line++) {
			if (line % 10 == 9) {
				text.append("..");
			}
			for (int i = (line % 10 == 9) ? 1 : 0; i < 78; i++) {
				text.append(alphabet.charAt((line * 7 + i) % alphabet.length()));
			}
			text.append("\r\n");
		}
		text.append(".\r\n");
		return text.toString().getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * Returns a message of exactly {@code size} bytes in BDAT chunks of {@code chunk}
	 * bytes, the last one with {@code LAST}.
	 */
	private static byte[] chunks(int size, int chunk) {
		byte[] message = new byte[size];
		byte[] text = wire(size + size / 5);
		System.arraycopy(text, 6, message, 0, size);
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(size + 1024);
		for (int offset = 0; offset < size; offset += chunk) {
			int length = Math.min(chunk, size - offset);
			boolean last = offset + length >= size;
			out.writeBytes(("BDAT " + length + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
			out.write(message, offset, length);
		}
		return out.toByteArray();
	}

	/**
	 * Plays the session: starts DATA on the command, drops the message, asks for the next
	 * frame.
	 */
	private static final class MessageSink extends ChannelInboundHandlerAdapter {

		private final SmtpFrameDecoder decoder;

		long messages;

		long bytes;

		private MessageBuffer chunks;

		private boolean last;

		MessageSink(SmtpFrameDecoder decoder) {
			this.decoder = decoder;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof Frame.Command command && command.line().equals("DATA")) {
				this.decoder.startData(0,
						new MessageBuffer(ctx.alloc(), 4 * 1024 * 1024, null, Runnable::run, ctx.executor()));
			}
			else if (msg instanceof Frame.Command command && command.line().startsWith("BDAT ")) {
				String[] parts = command.line().split(" ");
				this.last = parts.length == 3;
				if (this.chunks == null) {
					this.chunks = new MessageBuffer(ctx.alloc(), 4 * 1024 * 1024, null, Runnable::run, ctx.executor());
				}
				this.decoder.startChunk(Long.parseLong(parts[1]), this.chunks);
			}
			else if (msg instanceof Frame.ChunkEnd && this.last) {
				this.bytes = this.chunks.size();
				this.chunks.release();
				this.chunks = null;
				this.messages++;
			}
			else if (msg instanceof Frame.ChunkEnd) {
				// the next chunk's command follows
			}
			else if (msg instanceof Frame.DataEnd end) {
				this.bytes = end.message().size();
				end.message().release();
				this.messages++;
			}
			else {
				throw new IllegalStateException("Unexpected frame " + msg);
			}
			this.decoder.resume();
		}

	}

}
