package dev.smtpd.core.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.smtpd.core.handler.MessageContent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import org.jspecify.annotations.Nullable;

/**
 * The body of one message as it arrives: in a pooled buffer up to a threshold, then in a temporary
 * file, so that many large messages at once cannot exhaust memory. Written on the event loop by the
 * {@link SmtpFrameDecoder}, read by the DATA hook, released by the engine once the hook has returned.
 */
final class MessageBuffer {

	private static final int INITIAL_CAPACITY = 4096;

	private final ByteBufAllocator alloc;

	private final int memoryThreshold;

	private final @Nullable Path tempDirectory;

	private @Nullable ByteBuf memory;

	private @Nullable Path file;

	private @Nullable FileChannel channel;

	private long size;

	private boolean released;

	MessageBuffer(ByteBufAllocator alloc, int memoryThreshold, @Nullable Path tempDirectory) {
		this.alloc = alloc;
		this.memoryThreshold = memoryThreshold;
		this.tempDirectory = tempDirectory;
	}

	/**
	 * Appends bytes of {@code src} without changing its indexes.
	 * @param src the source
	 * @param index the first byte
	 * @param length how many bytes
	 * @throws IOException if the temporary file cannot be written
	 */
	void write(ByteBuf src, int index, int length) throws IOException {
		if (length == 0) {
			return;
		}
		if (this.released) {
			throw new IllegalStateException("Message buffer already released");
		}
		if (this.channel == null && this.size + length > this.memoryThreshold) {
			spill();
		}
		FileChannel channel = this.channel;
		if (channel != null) {
			int written = 0;
			while (written < length) {
				written += src.getBytes(index + written, channel, this.size + written, length - written);
			}
		}
		else {
			ByteBuf memory = this.memory;
			if (memory == null) {
				memory = this.alloc.buffer(Math.min(Math.max(INITIAL_CAPACITY, length), this.memoryThreshold));
				this.memory = memory;
			}
			memory.writeBytes(src, index, length);
		}
		this.size += length;
	}

	private void spill() throws IOException {
		Path file = (this.tempDirectory != null) ? Files.createTempFile(this.tempDirectory, "smtpd-", ".msg")
				: Files.createTempFile("smtpd-", ".msg");
		this.file = file;
		FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		this.channel = channel;
		ByteBuf memory = this.memory;
		if (memory != null) {
			long position = 0;
			while (memory.isReadable()) {
				int n = memory.readBytes(channel, position, memory.readableBytes());
				position += n;
			}
			memory.release();
			this.memory = null;
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
	 * Returns whether the content went to a temporary file.
	 * @return whether spilled
	 */
	boolean isSpilled() {
		return this.file != null;
	}

	/**
	 * Returns a read-only view of the content, valid until {@link #release()}.
	 * @return the content
	 */
	MessageContent content() {
		Path file = this.file;
		if (file != null) {
			return new FileContent(file, this.size);
		}
		ByteBuf memory = this.memory;
		return new MemoryContent((memory != null) ? memory : io.netty.buffer.Unpooled.EMPTY_BUFFER);
	}

	/**
	 * Frees the memory and deletes the temporary file. Safe to call more than once.
	 */
	void release() {
		if (this.released) {
			return;
		}
		this.released = true;
		ByteBuf memory = this.memory;
		if (memory != null) {
			memory.release();
			this.memory = null;
		}
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
				throw new UncheckedIOException("Temporary message file could not be deleted: " + file, ex);
			}
		}
	}

	private record MemoryContent(ByteBuf buffer) implements MessageContent {

		@Override
		public long size() {
			return this.buffer.readableBytes();
		}

		@Override
		public InputStream openStream() {
			return new ByteBufInputStream(this.buffer.duplicate());
		}

		@Override
		public byte[] toByteArray() {
			return ByteBufUtil.getBytes(this.buffer, this.buffer.readerIndex(), this.buffer.readableBytes(), true);
		}

		@Override
		public void writeTo(OutputStream out) throws IOException {
			this.buffer.getBytes(this.buffer.readerIndex(), out, this.buffer.readableBytes());
		}

		@Override
		public String toString() {
			return "MessageContent[" + size() + " bytes in memory]";
		}

	}

	private record FileContent(Path file, long size) implements MessageContent {

		@Override
		public InputStream openStream() throws IOException {
			return Files.newInputStream(this.file);
		}

		@Override
		public byte[] toByteArray() throws IOException {
			if (this.size > Integer.MAX_VALUE - 8) {
				throw new IllegalStateException("Message of " + this.size + " bytes does not fit in an array");
			}
			return Files.readAllBytes(this.file);
		}

		@Override
		public String toString() {
			return "MessageContent[" + this.size + " bytes in a temporary file]";
		}

	}

}
