package dev.smtpd.core.protocol;
import org.jspecify.annotations.Nullable;
final class MessageBuffer {
	MessageBuffer(io.netty.buffer.ByteBufAllocator alloc, int memoryThreshold, java.nio.file.@Nullable Path tempDirectory) {}
	void write(io.netty.buffer.ByteBuf src, int index, int length) throws java.io.IOException {}
	long size() { return 0; }
	dev.smtpd.core.handler.MessageContent content() { throw new UnsupportedOperationException(); }
	void release() {}
}
