package dev.smtpd.core.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.MessageContent.Transfer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one message as it arrives: in a pooled buffer up to a threshold, then in a
 * temporary file, so that many large messages at once cannot exhaust memory. Bytes are
 * appended on the event loop by the {@link SmtpFrameDecoder}; past the threshold they are
 * collected into chunks that a file executor writes, one write at a time, so the event
 * loop never touches the disk. While more than {@link #MAX_QUEUED} bytes wait for the
 * disk the buffer is {@linkplain #isBackedUp() backed up} and the framer reads no more,
 * so memory per message stays bounded by the threshold plus that queue. At the end of the
 * message {@link #whenWritten} waits for the last write; then the DATA hook reads the
 * content, and the engine releases it once the hook has returned.
 */
final class MessageBuffer {

	private static final Logger logger = LoggerFactory.getLogger(MessageBuffer.class);

	private static final int INITIAL_CAPACITY = 4096;

	/** Bytes collected before they are handed to the file executor. */
	private static final int CHUNK = 64 * 1024;

	/** Bytes waiting for the disk beyond which the framer stops reading. */
	static final int MAX_QUEUED = 4 * CHUNK;

	private final ByteBufAllocator alloc;

	private final int memoryThreshold;

	private final @Nullable Path tempDirectory;

	private final Executor fileExecutor;

	private final Executor eventLoop;

	private final Transfer transfer;

	private final BodyType body;

	/**
	 * The content while it fits under the threshold, but for the block being filled: one
	 * block, or a composite of blocks. Blocks are never copied to grow (a buffer that
	 * doubles copies the message once more in all, and above the allocator's pooled sizes
	 * takes a new zeroed buffer each time).
	 */
	private @Nullable ByteBuf memory;

	/** The block being filled: up to {@link #CHUNK} bytes, or one larger first write. */
	private @Nullable ByteBuf block;

	/** Past the threshold: bytes not yet handed to the file executor. */
	private @Nullable ByteBuf pending;

	/** Bytes pending or being written. */
	private long queued;

	private boolean spilled;

	private boolean writing;

	private long size;

	private boolean released;

	private Runnable onDrained = () -> {
	};

	private @Nullable Runnable whenWritten;

	// Written by the file executor, one task at a time; read after a hand-off through the
	// event loop.
	private @Nullable Path file;

	private @Nullable FileChannel channel;

	private long written;

	private volatile boolean failed;

	/**
	 * Creates a buffer for one message.
	 * @param alloc the channel's allocator
	 * @param memoryThreshold bytes kept in memory before the content goes to a file
	 * @param tempDirectory where the file goes, {@code null} for the system's temporary
	 * directory
	 * @param fileExecutor what writes and deletes the file
	 * @param eventLoop the session's event loop, where writes are reported back
	 */
	MessageBuffer(ByteBufAllocator alloc, int memoryThreshold, @Nullable Path tempDirectory, Executor fileExecutor,
			Executor eventLoop) {
		this(alloc, memoryThreshold, tempDirectory, fileExecutor, eventLoop, Transfer.DATA, BodyType.SEVEN_BIT);
	}

	/**
	 * Creates a buffer for one message that says how it arrived.
	 * @param alloc the channel's allocator
	 * @param memoryThreshold bytes kept in memory before the content goes to a file
	 * @param tempDirectory where the file goes, {@code null} for the system's temporary
	 * directory
	 * @param fileExecutor what writes and deletes the file
	 * @param eventLoop the session's event loop, where writes are reported back
	 * @param transfer DATA or BDAT, as {@link MessageContent#transfer()} tells it
	 * @param body the body type declared on MAIL
	 */
	MessageBuffer(ByteBufAllocator alloc, int memoryThreshold, @Nullable Path tempDirectory, Executor fileExecutor,
			Executor eventLoop, Transfer transfer, BodyType body) {
		this.alloc = alloc;
		this.memoryThreshold = memoryThreshold;
		this.tempDirectory = tempDirectory;
		this.fileExecutor = fileExecutor;
		this.eventLoop = eventLoop;
		this.transfer = transfer;
		this.body = body;
	}

	/**
	 * Sets what to run on the event loop when the buffer is no longer backed up.
	 * @param onDrained the callback
	 */
	void onDrained(Runnable onDrained) {
		this.onDrained = onDrained;
	}

	/**
	 * Appends bytes of {@code src} without changing its indexes. Call on the event loop.
	 * @param src the source
	 * @param index the first byte
	 * @param length how many bytes
	 */
	void write(ByteBuf src, int index, int length) {
		if (length == 0) {
			return;
		}
		if (this.released) {
			throw new IllegalStateException("Message buffer already released");
		}
		this.size += length;
		if (!this.spilled && this.size <= this.memoryThreshold) {
			append(src, index, length);
			return;
		}
		if (!this.spilled) {
			// what is in memory becomes the first chunk of the file, on its way at once
			this.spilled = true;
			seal();
			this.pending = this.memory;
			this.memory = null;
			this.queued = (this.pending != null) ? this.pending.readableBytes() : 0;
			submit();
		}
		if (this.failed) {
			return;
		}
		ByteBuf pending = this.pending;
		if (pending == null) {
			pending = this.alloc.buffer(Math.max(CHUNK, length));
			this.pending = pending;
		}
		pending.writeBytes(src, index, length);
		this.queued += length;
		if (!this.writing && pending.readableBytes() >= CHUNK) {
			submit();
		}
	}

	/**
	 * Returns whether so many bytes wait for the disk that no more should be read.
	 * @return whether backed up
	 */
	boolean isBackedUp() {
		return this.queued > MAX_QUEUED;
	}

	private void append(ByteBuf src, int index, int length) {
		while (length > 0) {
			ByteBuf block = this.block;
			if (block == null || !block.isWritable()) {
				seal();
				int capacity = (this.memory == null) ? Math.max(INITIAL_CAPACITY, length) : CHUNK;
				block = this.alloc.buffer(Math.min(capacity, this.memoryThreshold));
				this.block = block;
			}
			int n = Math.min(length, block.writableBytes());
			block.writeBytes(src, index, n);
			index += n;
			length -= n;
		}
	}

	/** Moves the block being filled into {@link #memory}. */
	private void seal() {
		ByteBuf block = this.block;
		if (block == null) {
			return;
		}
		this.block = null;
		ByteBuf memory = this.memory;
		if (memory == null) {
			this.memory = block;
		}
		else if (memory instanceof CompositeByteBuf blocks) {
			blocks.addComponent(true, block);
		}
		else {
			this.memory = this.alloc.compositeBuffer(Integer.MAX_VALUE).addComponents(true, memory, block);
		}
	}

	/**
	 * Runs {@code action} on the event loop once every byte is in memory or written to
	 * the file: at once when the content never left memory. Call on the event loop, once,
	 * after the last write.
	 * @param action what to do next
	 */
	void whenWritten(Runnable action) {
		if (!this.spilled || this.failed && !this.writing) {
			action.run();
			return;
		}
		this.whenWritten = action;
		if (!this.writing) {
			flushOrFinish();
		}
	}

	/**
	 * Returns whether the temporary file could not be written; the content is then
	 * incomplete.
	 * @return whether a write failed
	 */
	boolean hasFailed() {
		return this.failed;
	}

	private void submit() {
		ByteBuf chunk = this.pending;
		if (chunk == null) {
			return;
		}
		this.pending = null;
		this.writing = true;
		try {
			this.fileExecutor.execute(() -> {
				int length = chunk.readableBytes();
				writeToFile(chunk);
				try {
					this.eventLoop.execute(() -> chunkWritten(length));
				}
				catch (RejectedExecutionException ex) {
					// the event loop is gone (the server stopped): nobody will read the
					// file
					closeAndDelete();
				}
			});
		}
		catch (RejectedExecutionException ex) {
			logger.warn("Message could not be spilled to disk: file executor refused it");
			chunk.release();
			this.failed = true;
			this.writing = false;
			this.queued = 0;
		}
	}

	/** On the file executor. */
	private void writeToFile(ByteBuf chunk) {
		try {
			if (this.failed) {
				return;
			}
			FileChannel channel = this.channel;
			if (channel == null) {
				Path file = (this.tempDirectory != null) ? Files.createTempFile(this.tempDirectory, "smtpd-", ".msg")
						: Files.createTempFile("smtpd-", ".msg");
				this.file = file;
				channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
				this.channel = channel;
			}
			while (chunk.isReadable()) {
				this.written += chunk.readBytes(channel, this.written, chunk.readableBytes());
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Message could not be spilled to disk: {}", ex.toString());
			this.failed = true;
		}
		finally {
			chunk.release();
		}
	}

	/** On the event loop. */
	private void chunkWritten(int length) {
		this.writing = false;
		this.queued -= length;
		if (this.released) {
			deleteFile();
			return;
		}
		if (this.whenWritten != null) {
			flushOrFinish();
		}
		else if (this.pending != null && this.pending.readableBytes() >= CHUNK) {
			submit();
		}
		if (!isBackedUp()) {
			this.onDrained.run();
		}
	}

	private void flushOrFinish() {
		if (this.pending != null && !this.failed) {
			submit();
			if (this.writing) {
				return;
			}
		}
		Runnable action = this.whenWritten;
		this.whenWritten = null;
		if (action != null) {
			action.run();
		}
	}

	/**
	 * Returns how many bytes were written.
	 * @return the size
	 */
	long size() {
		return this.size;
	}

	/**
	 * Returns how the message arrives.
	 * @return DATA or BDAT
	 */
	Transfer transfer() {
		return this.transfer;
	}

	/**
	 * Returns whether the content went to a temporary file.
	 * @return whether spilled
	 */
	boolean isSpilled() {
		return this.spilled;
	}

	/**
	 * Returns a read-only view of the content, valid until {@link #release()}. Call after
	 * {@link #whenWritten}.
	 * @return the content
	 */
	MessageContent content() {
		Path file = this.file;
		if (file != null) {
			return new ReceivedContent.InFile(file, this.size, this.transfer, this.body);
		}
		seal();
		ByteBuf memory = this.memory;
		return new ReceivedContent.InMemory((memory != null) ? memory : Unpooled.EMPTY_BUFFER, this.transfer,
				this.body);
	}

	/**
	 * Frees the memory and deletes the temporary file (on the file executor, or after a
	 * write under way). Safe to call more than once, one call after the other: on the
	 * event loop, or on the thread that ran the DATA hook after {@link #whenWritten}.
	 */
	void release() {
		if (this.released) {
			return;
		}
		this.released = true;
		seal();
		ByteBuf memory = this.memory;
		this.memory = null;
		if (memory != null) {
			memory.release();
		}
		ByteBuf pending = this.pending;
		this.pending = null;
		if (pending != null) {
			pending.release();
		}
		if (this.spilled && !this.writing) {
			deleteFile();
		}
	}

	private void deleteFile() {
		try {
			this.fileExecutor.execute(this::closeAndDelete);
		}
		catch (RejectedExecutionException ex) {
			closeAndDelete();
		}
	}

	private void closeAndDelete() {
		FileChannel channel = this.channel;
		try {
			if (channel != null) {
				channel.close();
			}
		}
		catch (IOException ex) {
			// the file is deleted below either way
		}
		Path file = this.file;
		if (file != null) {
			try {
				Files.deleteIfExists(file);
			}
			catch (IOException ex) {
				logger.warn("Temporary message file could not be deleted: {}", file);
			}
		}
	}

}
