package dev.smtpd.core.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.MessageContent.Transfer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;

/**
 * The read-only views a {@link MessageBuffer} hands to the DATA hook: its memory or its
 * temporary file, with how the message arrived.
 */
final class ReceivedContent {

	private ReceivedContent() {
	}

	/** Content in a pooled buffer, which the {@link MessageBuffer} owns. */
	record InMemory(ByteBuf buffer, Transfer transfer, BodyType bodyType) implements MessageContent {

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
			return "MessageContent[" + size() + " bytes in memory, " + this.transfer + "]";
		}

	}

	/** Content in a temporary file, which the {@link MessageBuffer} deletes. */
	record InFile(Path file, long size, Transfer transfer, BodyType bodyType) implements MessageContent {

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
			return "MessageContent[" + this.size + " bytes in a temporary file, " + this.transfer + "]";
		}

	}

}
