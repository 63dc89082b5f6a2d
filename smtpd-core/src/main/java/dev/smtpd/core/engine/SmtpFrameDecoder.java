package dev.smtpd.core.engine;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import dev.smtpd.core.handler.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bytes of a connection into {@link Frame frames}: one command line at a time,
 * or a whole message after DATA. The channel does not read on its own ({@code AUTO_READ}
 * is off): this decoder asks for more bytes only when it has none left to decode, and
 * after each frame it stays paused until the session calls {@link #resume()}. So a client
 * cannot make it hold more than one read's worth of bytes, and pipelined commands are
 * answered strictly in order.
 * <p>
 * Command lines end with CRLF only; a line that holds NUL, a bare CR, a bare LF or bytes
 * that are not UTF-8 is refused ({@code 500} when the verb holds them, else {@code 501}),
 * and one longer than the command limit is discarded as it arrives and refused at its
 * CRLF. In DATA, only CRLF "." CRLF ends the message: a bare LF or bare CR never starts a
 * line, so no combination of them can end the message early (SMTP smuggling). Leading
 * dots are removed (RFC 5321 §4.5.2), the size is counted as bytes arrive, and bytes over
 * the size limit are drained rather than stored.
 * <p>
 * When the client shuts down its side of the connection ({@code ALLOW_HALF_CLOSURE} is
 * on), the frames it sent before are still passed one by one, and then
 * {@link Frame.InputEnded}, so that pipelined commands ending in a QUIT and a half-close
 * are all answered.
 */
final class SmtpFrameDecoder extends ChannelInboundHandlerAdapter {

	private static final Logger logger = LoggerFactory.getLogger(SmtpFrameDecoder.class);

	private static final byte CR = '\r';

	private static final byte LF = '\n';

	private static final byte DOT = '.';

	private static final Reply BAD_CHARACTERS = Reply.of(501, "5.5.2",
			"Syntax error: NUL, bare CR or bare LF in command");

	private static final Reply BAD_UTF8 = Reply.of(501, "5.5.2", "Syntax error: command is not valid UTF-8");

	/**
	 * Finds a byte that a command line must not hold, or one that needs UTF-8 decoding.
	 */
	private static final ByteProcessor PLAIN_ASCII = (value) -> value > 0 && value != CR && value != LF;

	private final int maxCommandLength;

	private final int lineLengthLimit;

	private @Nullable ChannelHandlerContext ctx;

	private @Nullable ByteBuf cumulation;

	private boolean paused = true;

	private boolean decoding;

	private boolean closed;

	/** The client will send nothing more. */
	private boolean inputShutdown;

	/** {@link Frame.InputEnded} was passed. */
	private boolean inputEndPassed;

	/** In command mode: the rest of an over-long line is being dropped. */
	private boolean discardingLine;

	private @Nullable MessageBuffer message;

	/** Octets of the message after which {@link #onDrop} runs; {@code -1}: never. */
	private long dropAt = -1;

	private @Nullable Runnable onDrop;

	private long sizeLimit;

	private long messageSize;

	private int lineLength;

	private boolean atLineStart;

	private boolean lastWasCr;

	private boolean tooBig;

	private boolean lineTooLong;

	private boolean ioError;

	/** In a BDAT chunk: the octets still to come; {@code -1} outside a chunk. */
	private long chunkRemaining = -1;

	private long bytesRead;

	private long lastReadNanos = System.nanoTime();

	/**
	 * When the first byte of the frame being read arrived, {@code 0} when no byte of it
	 * has yet.
	 */
	private long frameStartNanos;

	/** Whether reading waits for the disk to take the message's bytes. */
	private boolean stalled;

	/** Since when the server is the one waited for (paused or stalled), or 0. */
	private long waitingSinceNanos;

	/** How long the server was waited for before {@link #waitingSinceNanos}. */
	private long waitedNanos;

	/**
	 * Creates a decoder.
	 * @param maxCommandLength the longest command line, CRLF included, that is buffered
	 * @param lineLengthLimit the longest text line in DATA, CRLF included
	 */
	SmtpFrameDecoder(int maxCommandLength, int lineLengthLimit) {
		this.maxCommandLength = maxCommandLength;
		this.lineLengthLimit = lineLengthLimit;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.ctx = ctx;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (!(msg instanceof ByteBuf in)) {
			ctx.fireChannelRead(msg);
			return;
		}
		if (this.closed) {
			in.release();
			return;
		}
		this.bytesRead += in.readableBytes();
		this.lastReadNanos = System.nanoTime();
		if (this.frameStartNanos == 0) {
			this.frameStartNanos = this.lastReadNanos;
		}
		ByteBuf cumulation = this.cumulation;
		if (cumulation == null || !cumulation.isReadable()) {
			if (cumulation != null) {
				cumulation.release();
			}
			this.cumulation = in;
		}
		else {
			this.cumulation = append(ctx.alloc(), cumulation, in);
		}
		decode(ctx);
	}

	private static ByteBuf append(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
		try {
			int needed = in.readableBytes();
			if (cumulation.maxWritableBytes() < needed || cumulation.refCnt() > 1 || cumulation.isReadOnly()) {
				ByteBuf bigger = alloc.buffer(cumulation.readableBytes() + needed);
				bigger.writeBytes(cumulation);
				cumulation.release();
				cumulation = bigger;
			}
			else {
				cumulation.discardSomeReadBytes();
			}
			cumulation.writeBytes(in);
			return cumulation;
		}
		finally {
			in.release();
		}
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		ctx.fireChannelReadComplete();
	}

	@Override
	public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
		if (evt instanceof ChannelInputShutdownEvent) {
			this.inputShutdown = true;
			resumeReading();
		}
		ctx.fireUserEventTriggered(evt);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		releaseAll();
		ctx.fireChannelInactive();
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		releaseAll();
	}

	private void releaseAll() {
		this.closed = true;
		ByteBuf cumulation = this.cumulation;
		this.cumulation = null;
		if (cumulation != null) {
			ReferenceCountUtil.safeRelease(cumulation);
		}
		MessageBuffer message = this.message;
		this.message = null;
		if (message != null) {
			message.release();
		}
	}

	/**
	 * Switches to DATA: the bytes that follow are a message, up to CRLF "." CRLF.
	 * @param sizeLimit the most bytes to keep, {@code 0} for no limit
	 * @param buffer where the message goes; owned by the frame that ends it
	 */
	void startData(long sizeLimit, MessageBuffer buffer) {
		if (this.closed) {
			buffer.release();
			return;
		}
		this.message = buffer;
		buffer.onDrained(this::resumeReading);
		this.sizeLimit = sizeLimit;
		this.messageSize = 0;
		this.lineLength = 0;
		this.atLineStart = true;
		this.lastWasCr = false;
		this.tooBig = false;
		this.lineTooLong = false;
		this.ioError = false;
	}

	/**
	 * Runs {@code drop} once at least {@code octets} octets of the message being received
	 * arrived (a handler's test fault: the connection lost mid-DATA); nothing happens if
	 * the message ends first.
	 * @param octets the octets
	 * @param drop what closes the connection
	 */
	void dropAfter(long octets, Runnable drop) {
		this.dropAt = octets;
		this.onDrop = drop;
	}

	private void dropIfDue() {
		Runnable drop = this.onDrop;
		if (drop != null && this.message != null && this.messageSize >= this.dropAt) {
			this.onDrop = null;
			this.dropAt = -1;
			drop.run();
		}
	}

	/**
	 * Switches to a BDAT chunk (RFC 3030): exactly {@code size} octets follow, taken as
	 * they are (no dot-unstuffing, no end-of-data search), then a {@link Frame.ChunkEnd}.
	 * The octets are always consumed, so they are never read as commands, even when the
	 * BDAT is refused.
	 * @param size the chunk's size in octets
	 * @param target where the octets go, owned by the transaction; {@code null} to drop
	 * them
	 */
	void startChunk(long size, @Nullable MessageBuffer target) {
		if (this.closed) {
			return;
		}
		this.chunkRemaining = size;
		this.message = target;
		if (target != null) {
			target.onDrained(this::resumeReading);
		}
		this.sizeLimit = 0;
		this.ioError = false;
	}

	/**
	 * Returns when the client last made progress, for the idle timeout: when bytes last
	 * arrived (after TLS), except that while a command line is incomplete, it is when its
	 * first byte arrived. So a line must be complete within the timeout however slowly it
	 * trickles in; a message's bytes count as they come (the DATA deadline and the
	 * minimum rate bound those).
	 * @return a {@link System#nanoTime()} value
	 */
	long progressNanos() {
		boolean inCommand = this.message == null && this.chunkRemaining < 0;
		return (inCommand && this.frameStartNanos != 0) ? this.frameStartNanos : this.lastReadNanos;
	}

	/**
	 * Returns for how long, in all, the client waited for the server: while a frame was
	 * being answered (nothing is read then) or the disk held reading back.
	 * @return the time in nanoseconds, growing while the server is waited for
	 */
	long serverWaitNanos() {
		long since = this.waitingSinceNanos;
		return this.waitedNanos + ((since != 0) ? System.nanoTime() - since : 0);
	}

	/** Notes a change of {@link #paused} or {@link #stalled}. */
	private void waiting() {
		boolean waiting = this.paused || this.stalled;
		if (waiting && this.waitingSinceNanos == 0) {
			this.waitingSinceNanos = System.nanoTime();
		}
		else if (!waiting && this.waitingSinceNanos != 0) {
			this.waitedNanos += System.nanoTime() - this.waitingSinceNanos;
			this.waitingSinceNanos = 0;
		}
	}

	/**
	 * Returns how many bytes arrived so far (after TLS).
	 * @return the count
	 */
	long bytesRead() {
		return this.bytesRead;
	}

	/**
	 * Returns whether reading waits for the disk: the message being received has more
	 * bytes queued for its temporary file than it may hold.
	 * @return whether reading is held back by the disk
	 */
	boolean isWaitingForDisk() {
		MessageBuffer message = this.message;
		return message != null && message.isBackedUp();
	}

	/**
	 * Returns how many received bytes wait to be decoded.
	 * @return the count
	 */
	int bufferedBytes() {
		ByteBuf cumulation = this.cumulation;
		return (cumulation != null) ? cumulation.readableBytes() : 0;
	}

	/**
	 * Returns whether a message is being received.
	 * @return whether in DATA
	 */
	boolean inData() {
		return this.message != null;
	}

	/**
	 * Lets the next frame through: decodes what is buffered, or reads more. Call on the
	 * event loop.
	 */
	void resume() {
		this.paused = false;
		waiting();
		ChannelHandlerContext ctx = this.ctx;
		if (!this.decoding && !this.closed && ctx != null) {
			decode(ctx);
		}
	}

	/**
	 * Asks for the client's next bytes while the command just delivered is still being
	 * answered (its hook runs on another thread), if no bytes are buffered and no message
	 * is being received. A client that waits for the reply sends nothing meanwhile, so
	 * the channel keeps its read interest instead of dropping it now and asking for it
	 * again with the reply (two {@code epoll_ctl} calls per hook on epoll); bytes a
	 * client pipelines are held, as when paused, and the decoder holds at most one read's
	 * worth, as always: it asks for no more until it is resumed. Call on the event loop.
	 */
	void readWhileAnswering() {
		ChannelHandlerContext ctx = this.ctx;
		ByteBuf cumulation = this.cumulation;
		if (this.paused && !this.closed && !this.inputShutdown && this.message == null && this.chunkRemaining < 0
				&& (cumulation == null || !cumulation.isReadable()) && ctx != null) {
			ctx.read();
		}
	}

	/**
	 * Drops whatever the client sent beyond the frame just delivered (text pipelined
	 * after a refused DATA, or after STARTTLS).
	 * @return the number of bytes dropped
	 */
	int discardBuffered() {
		ByteBuf cumulation = this.cumulation;
		if (cumulation == null) {
			return 0;
		}
		int dropped = cumulation.readableBytes();
		cumulation.skipBytes(dropped);
		this.frameStartNanos = 0;
		return dropped;
	}

	private void decode(ChannelHandlerContext ctx) {
		this.decoding = true;
		try {
			while (!this.paused && !this.closed) {
				Frame frame = nextFrame();
				if (frame == null) {
					dropIfDue();
					if (!this.inputShutdown || this.inputEndPassed) {
						break;
					}
					this.inputEndPassed = true;
					frame = new Frame.InputEnded();
				}
				this.paused = true;
				waiting();
				// the next frame's first byte came with the last read, or is the next to
				// arrive (never later than the last read: processing does not count as
				// the
				// client's progress)
				this.frameStartNanos = (this.cumulation != null && this.cumulation.isReadable()) ? this.lastReadNanos
						: 0;
				ctx.fireChannelRead(frame);
			}
		}
		finally {
			this.decoding = false;
		}
		ByteBuf in = this.cumulation;
		if (in != null && !in.isReadable()) {
			in.release();
			this.cumulation = null;
		}
		MessageBuffer message = this.message;
		boolean stalled = !this.paused && !this.closed && message != null && message.isBackedUp();
		if (stalled != this.stalled) {
			this.stalled = stalled;
			waiting();
		}
		if (!this.paused && !this.closed && !this.inputShutdown && !stalled) {
			ctx.read();
		}
	}

	/** Returns the next frame, or {@code null} if the bytes buffered hold none. */
	private @Nullable Frame nextFrame() {
		if (this.chunkRemaining == 0) {
			// an empty chunk (BDAT 0 LAST) ends without a byte
			return endOfChunk();
		}
		ByteBuf in = this.cumulation;
		if (in == null || !in.isReadable()) {
			return null;
		}
		return (this.chunkRemaining > 0) ? decodeChunk(in)
				: (this.message != null) ? decodeData(in) : decodeCommand(in);
	}

	/**
	 * The message buffer caught up with the disk: read again if nothing else holds
	 * reading back.
	 */
	private void resumeReading() {
		ChannelHandlerContext ctx = this.ctx;
		if (!this.decoding && !this.closed && !this.paused && ctx != null) {
			decode(ctx);
		}
	}

	private @Nullable Frame decodeCommand(ByteBuf in) {
		int start = in.readerIndex();
		int end = in.writerIndex();
		int searchEnd = this.discardingLine ? end : Math.min(end, start + this.maxCommandLength);
		int lf = in.indexOf(start, searchEnd, LF);
		while (lf >= 0 && !(lf > start && in.getByte(lf - 1) == CR)) {
			// a bare LF inside the line: keep looking for CRLF
			lf = in.indexOf(lf + 1, searchEnd, LF);
		}
		if (this.discardingLine) {
			if (lf < 0) {
				// keep a trailing CR: its LF may come in the next read
				int keep = (in.getByte(end - 1) == CR) ? 1 : 0;
				in.readerIndex(end - keep);
				return null;
			}
			in.readerIndex(lf + 1);
			this.discardingLine = false;
			return new Frame.BadCommand(Reply.LINE_TOO_LONG);
		}
		if (lf < 0) {
			if (end - start >= this.maxCommandLength) {
				// too long: drop it up to its CRLF, which may already be buffered
				this.discardingLine = true;
				logger.debug("Discarding a command line longer than {} octets", this.maxCommandLength);
				return decodeCommand(in);
			}
			return null;
		}
		int length = lf - 1 - start;
		in.readerIndex(lf + 1);
		if (in.forEachByte(start, length, PLAIN_ASCII) < 0) {
			return new Frame.Command(in.toString(start, length, StandardCharsets.US_ASCII));
		}
		return commandWithSpecialBytes(in, start, length);
	}

	/**
	 * A line with a NUL, a bare CR or LF, or bytes that are not UTF-8: {@code 500} when
	 * they are in the verb (no such command can exist), {@code 501} when only in the
	 * arguments.
	 */
	private static Frame commandWithSpecialBytes(ByteBuf in, int start, int length) {
		int space = in.indexOf(start, start + length, (byte) ' ');
		int verbEnd = (space < 0) ? start + length : space;
		for (int i = start; i < start + length; i++) {
			byte b = in.getByte(i);
			if (b == 0 || b == CR || b == LF) {
				return new Frame.BadCommand((i < verbEnd) ? Reply.UNRECOGNIZED : BAD_CHARACTERS);
			}
		}
		if (decodeUtf8(in, start, verbEnd - start) == null) {
			return new Frame.BadCommand(Reply.UNRECOGNIZED);
		}
		String line = decodeUtf8(in, start, length);
		return (line != null) ? new Frame.Command(line) : new Frame.BadCommand(BAD_UTF8);
	}

	private static @Nullable String decodeUtf8(ByteBuf in, int start, int length) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(in.nioBuffer(start, length))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	/**
	 * Moves the message bytes in {@code in} to the message buffer, up to the end of the
	 * message. Runs of bytes are copied in one go; the copy is split only where a stuffed
	 * dot is dropped.
	 * @return the frame that ends the message, or {@code null} if more bytes are needed
	 */
	private @Nullable Frame decodeData(ByteBuf in) {
		int r = in.readerIndex();
		int end = in.writerIndex();
		int spanStart = r;
		while (r < end) {
			if (this.atLineStart) {
				if (in.getByte(r) == DOT) {
					int available = end - r;
					if (available < 3) {
						if (available == 1 || in.getByte(r + 1) == CR) {
							// could still be the end of the message: wait for the next
							// bytes
							break;
						}
					}
					else if (in.getByte(r + 1) == CR && in.getByte(r + 2) == LF) {
						store(in, spanStart, r - spanStart);
						in.readerIndex(r + 3);
						return endOfData();
					}
					// a stuffed dot: drop it, keep the rest of the line
					store(in, spanStart, r - spanStart);
					r++;
					spanStart = r;
					this.lineLength++;
					this.lastWasCr = false;
				}
				this.atLineStart = false;
				continue;
			}
			int lf = in.indexOf(r, end, LF);
			int next = (lf < 0) ? end : lf + 1;
			int length = next - r;
			this.lineLength += length;
			this.messageSize += length;
			if (lf >= 0) {
				boolean crlf = (lf > r) ? in.getByte(lf - 1) == CR : this.lastWasCr;
				if (this.lineLength > this.lineLengthLimit) {
					this.lineTooLong = true;
				}
				this.lineLength = 0;
				this.atLineStart = crlf;
				this.lastWasCr = false;
			}
			else {
				if (this.lineLength > this.lineLengthLimit) {
					this.lineTooLong = true;
				}
				this.lastWasCr = in.getByte(end - 1) == CR;
			}
			r = next;
		}
		store(in, spanStart, r - spanStart);
		in.readerIndex(r);
		return null;
	}

	private void store(ByteBuf in, int index, int length) {
		if (length == 0 || this.ioError) {
			return;
		}
		if (this.sizeLimit > 0 && this.messageSize > this.sizeLimit) {
			this.tooBig = true;
			return;
		}
		try {
			MessageBuffer message = this.message;
			if (message != null) {
				message.write(in, index, length);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Message could not be buffered: {}", ex.toString());
			this.ioError = true;
		}
	}

	/** Moves the chunk's octets in {@code in} to its target, or drops them. */
	private @Nullable Frame decodeChunk(ByteBuf in) {
		int length = (int) Math.min(in.readableBytes(), this.chunkRemaining);
		store(in, in.readerIndex(), length);
		in.skipBytes(length);
		this.chunkRemaining -= length;
		return (this.chunkRemaining == 0) ? endOfChunk() : null;
	}

	private Frame endOfChunk() {
		this.chunkRemaining = -1;
		// the buffer stays with the transaction for the next chunk
		this.message = null;
		return new Frame.ChunkEnd(this.ioError);
	}

	private Frame endOfData() {
		MessageBuffer message = java.util.Objects.requireNonNull(this.message);
		this.message = null;
		this.onDrop = null;
		this.dropAt = -1;
		if (this.sizeLimit > 0 && this.messageSize > this.sizeLimit) {
			this.tooBig = true;
		}
		DataStatus status = this.tooBig ? DataStatus.TOO_BIG
				: this.lineTooLong ? DataStatus.LINE_TOO_LONG : this.ioError ? DataStatus.IO_ERROR : DataStatus.OK;
		return new Frame.DataEnd(status, message);
	}

}
