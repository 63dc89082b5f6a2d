package dev.smtpd.benchmarks;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.jspecify.annotations.Nullable;

/**
 * One connection of {@link LatencyClient}, on its event loop: greeting, EHLO, then for
 * each message MAIL, RCPT, DATA (each answered before the next), the message and the
 * final dot in one write, and the end-of-data reply. With a connection per message it
 * then says QUIT; otherwise it goes back to the client for the next message.
 */
final class LatencySession extends SimpleChannelInboundHandler<ByteBuf> {

	private enum State {

		GREETING, EHLO, IDLE, MAIL, RCPT, DATA, DOT, QUIT

	}

	private final LatencyClient client;

	private final Wire wire;

	private @Nullable ChannelHandlerContext context;

	private State state = State.GREETING;

	private boolean hasMessage;

	private long due;

	private long began;

	private long dotWritten;

	private boolean ended;

	/**
	 * Creates a session.
	 * @param client the client that gets the results
	 * @param wire the bytes to send
	 * @param due when its first message was due, or {@code -1} for a session of the pool
	 * @param began when its first message began
	 */
	LatencySession(LatencyClient client, Wire wire, long due, long began) {
		this.client = client;
		this.wire = wire;
		if (due >= 0) {
			assign(due, began);
		}
	}

	private void assign(long due, long began) {
		this.hasMessage = true;
		this.due = due;
		this.began = began;
	}

	/**
	 * Sends a message on an idle session of the pool.
	 * @param due when the message was due
	 * @param began when it began
	 */
	void send(long due, long began) {
		assign(due, began);
		mail();
	}

	/** Says QUIT and closes the connection without waiting for the reply. */
	void quitAndClose() {
		this.state = State.QUIT;
		ChannelHandlerContext context = this.context;
		if (context != null) {
			context.writeAndFlush(this.wire.quit()).addListener(ChannelFutureListener.CLOSE);
		}
	}

	@Override
	public void handlerAdded(ChannelHandlerContext context) {
		this.context = context;
	}

	@Override
	protected void channelRead0(ChannelHandlerContext context, ByteBuf line) throws IOException {
		if (line.readableBytes() > 3 && line.getByte(line.readerIndex() + 3) == '-') {
			return; // a continuation line of a multi-line reply
		}
		int digit = (line.readableBytes() >= 3) ? line.getByte(line.readerIndex()) - '0' : -1;
		State expected = this.state;
		if (digit != ((expected == State.DATA) ? 3 : 2)) {
			throw new IOException("Unexpected reply in " + expected + ": " + line.toString(StandardCharsets.US_ASCII));
		}
		switch (expected) {
			case GREETING -> {
				this.state = State.EHLO;
				context.writeAndFlush(this.wire.ehlo());
			}
			case EHLO -> {
				if (this.hasMessage) {
					mail();
				}
				else {
					this.state = State.IDLE;
					this.client.ready(this);
				}
			}
			case MAIL -> {
				this.state = State.RCPT;
				context.writeAndFlush(this.wire.rcpt());
			}
			case RCPT -> {
				this.state = State.DATA;
				context.writeAndFlush(this.wire.data());
			}
			case DATA -> {
				this.state = State.DOT;
				context.writeAndFlush(this.wire.message());
				this.dotWritten = System.nanoTime();
			}
			case DOT -> {
				long replied = System.nanoTime();
				this.hasMessage = false;
				this.state = State.IDLE;
				this.client.delivered(this, this.due, this.began, this.dotWritten, replied);
			}
			case QUIT -> context.close();
			default -> throw new IOException("Reply while idle");
		}
	}

	private void mail() {
		this.state = State.MAIL;
		ChannelHandlerContext context = this.context;
		if (context != null) {
			context.writeAndFlush(this.wire.mail());
		}
	}

	/**
	 * Says QUIT after the message of a connection of its own.
	 */
	void quit() {
		this.state = State.QUIT;
		ChannelHandlerContext context = this.context;
		if (context != null) {
			context.writeAndFlush(this.wire.quit());
		}
	}

	@Override
	public void channelInactive(ChannelHandlerContext context) {
		fail(new ClosedChannelException());
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
		fail(cause);
		context.close();
	}

	/**
	 * Reports the end of the connection once: after QUIT it is closed as it should be;
	 * otherwise it failed, and a message in progress is lost.
	 * @param cause what failed
	 */
	void fail(Throwable cause) {
		if (this.ended) {
			return;
		}
		this.ended = true;
		if (this.state == State.QUIT) {
			this.client.closed(this);
		}
		else {
			this.client.failed(this, this.hasMessage, cause);
		}
	}

	/**
	 * The bytes a session sends, built once and shared: each write sends a duplicate.
	 */
	static final class Wire {

		private final ByteBuf ehlo = command("EHLO localhost\r\n");

		private final ByteBuf mail = command("MAIL FROM:<sender@localhost>\r\n");

		private final ByteBuf rcpt = command("RCPT TO:<rcpt@localhost>\r\n");

		private final ByteBuf data = command("DATA\r\n");

		private final ByteBuf quit = command("QUIT\r\n");

		private final ByteBuf message;

		/**
		 * Creates the bytes.
		 * @param stuffed the message as sent in DATA, without the final dot
		 */
		Wire(byte[] stuffed) {
			this.message = Unpooled
				.unreleasableBuffer(Unpooled.wrappedBuffer(stuffed, ".\r\n".getBytes(StandardCharsets.US_ASCII)));
		}

		private static ByteBuf command(String text) {
			return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII)));
		}

		ByteBuf ehlo() {
			return this.ehlo.duplicate();
		}

		ByteBuf mail() {
			return this.mail.duplicate();
		}

		ByteBuf rcpt() {
			return this.rcpt.duplicate();
		}

		ByteBuf data() {
			return this.data.duplicate();
		}

		ByteBuf message() {
			return this.message.duplicate();
		}

		ByteBuf quit() {
			return this.quit.duplicate();
		}

	}

}
