package dev.smtpd.core.engine;

import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receive-buffer sizing every connection shares
 * ({@link NettyServer#RECEIVE_ALLOCATOR}).
 */
class ReceiveBufferTests {

	private final EmbeddedChannel channel = new EmbeddedChannel();

	@Test
	void aRunOfShortCommandsLeavesReadsLargeEnoughForASmallMessageInOne() {
		RecvByteBufAllocator.Handle handle = NettyServer.RECEIVE_ALLOCATOR.newHandle();
		for (int command = 0; command < 50; command++) {
			read(handle, "RCPT TO:<rcpt@localhost>\r\n".length());
		}
		assertThat(handle.guess()).isGreaterThanOrEqualTo(2048);
	}

	@Test
	void readsGrowWhileAClientStreamsAndShrinkBackToTheFloorAfter() {
		RecvByteBufAllocator.Handle handle = NettyServer.RECEIVE_ALLOCATOR.newHandle();
		for (int read = 0; read < 20; read++) {
			read(handle, handle.guess());
		}
		assertThat(handle.guess()).isEqualTo(256 * 1024);
		for (int command = 0; command < 200; command++) {
			read(handle, 6);
		}
		assertThat(handle.guess()).isEqualTo(2048);
	}

	/** One read event that reads {@code bytes} (a full buffer when it is the guess). */
	private void read(RecvByteBufAllocator.Handle handle, int bytes) {
		handle.reset(this.channel.config());
		handle.attemptedBytesRead(handle.guess());
		handle.lastBytesRead(bytes);
		handle.incMessagesRead(1);
		handle.readComplete();
	}

}
