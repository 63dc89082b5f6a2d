package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginMechanism;
import dev.smtpd.core.auth.PlainMechanism;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One session of the real pipeline on an {@link EmbeddedChannel}, fed by a fuzz test as a
 * socket would: the input goes in pieces split where the fuzzer says, and a piece is
 * written only when the server asked to read (its {@code AUTO_READ} is off), so that
 * backpressure is what it is on a socket. Hooks run on the test's thread. Checks the
 * invariants every fuzz test shares:
 * <ul>
 * <li>no exception reaches the end of the pipeline;</li>
 * <li>every byte written to the client is part of a well-formed reply
 * ({@link ReplyChecks});</li>
 * <li>when the server asks for more bytes it holds fewer than one command line, and a
 * handler never sees a message over the size limit;</li>
 * <li>every buffer the pipeline allocated, and every buffer written to it, is released
 * once the channel is closed (a count, without waiting for the garbage collector; Netty's
 * leak detector at {@code PARANOID} is on as well in {@code mvn verify}).</li>
 * </ul>
 * With the PROXY protocol on, it checks as well that the server writes nothing before a
 * header was accepted, and that the header decoder never holds more than
 * {@link ProxyHeaderDecoder#MAX_HEADER_BYTES}.
 */
final class FuzzSession {

	static final long DATA_SIZE_LIMIT = 16 * 1024;

	/** The SASL login the authenticator accepts. */
	static final String LOGIN = "alice";

	static final String PASSWORD = "secret";

	private final Queue<Runnable> hookTasks = new ArrayDeque<>();

	private final List<ByteBuf> allocated = new ArrayList<>();

	private final List<ByteBuf> written = new ArrayList<>();

	private final ByteBuf replies = Unpooled.buffer();

	private final SmtpChannelInitializer initializer;

	private final EmbeddedChannel channel;

	private final @Nullable SmtpFrameDecoder framer;

	private final @Nullable ProxyHeaderDecoder proxyDecoder;

	private boolean proxyAccepted;

	private final int maxCommandLength;

	private boolean readRequested;

	/**
	 * Opens a session (the greeting is sent) with small limits, the LOGIN and PLAIN
	 * mechanisms without TLS, and no AUTH failure delay.
	 * @param customizer more settings
	 */
	FuzzSession(Consumer<SmtpServer.Builder> customizer) {
		Authenticator authenticator = (session, mechanism, credentials) -> {
			dev.smtpd.core.auth.LoginPassword given = (dev.smtpd.core.auth.LoginPassword) credentials;
			return (given.login().equals(LOGIN) && given.passwordAsString().equals(PASSWORD))
					? dev.smtpd.core.auth.AuthResult.success(LOGIN) : dev.smtpd.core.auth.AuthResult.failure();
		};
		SmtpServer.Builder builder = SmtpServer.builder()
			.hostname("mx.fuzz.example")
			.ident("")
			.dataSizeLimit(DATA_SIZE_LIMIT)
			.maxRecipients(5)
			.authRequireTls(false)
			.authFailureDelay(java.time.Duration.ZERO)
			.smtputf8(true)
			.authenticator(authenticator);
		customizer.accept(builder);
		SmtpServer server = builder.build();
		this.initializer = new SmtpChannelInitializer(server.config(), List.of(new SizeCheckingHandler()), List.of(),
				this.hookTasks::add, authenticator, List.of(new PlainMechanism(), new LoginMechanism()), null,
				List.of(), null);
		this.maxCommandLength = server.config().limits().commandSizeLimit()
				+ CommandPolicy.maxAllowance(server.config());
		this.channel = new LoopbackChannel();
		this.channel.config().setAllocator(new CountingAllocator());
		this.channel.pipeline().addFirst(new ReadWatcher());
		this.channel.pipeline().addLast(this.initializer);
		try {
			this.channel.register();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		this.framer = (SmtpFrameDecoder) this.channel.pipeline().get(PipelineNames.FRAMER);
		this.proxyDecoder = (ProxyHeaderDecoder) this.channel.pipeline().get(PipelineNames.PROXY_DECODER);
		if (this.channel.pipeline().get(PipelineNames.PROXY) != null) {
			this.channel.pipeline().addAfter(PipelineNames.PROXY, "fuzz-proxy-accepted", new ProxyAcceptWatcher());
		}
		settle();
	}

	/**
	 * Sends {@code prefix} in one piece, then the fuzzer's bytes split at up to eight
	 * offsets it picks, then {@code suffix}; then closes the channel and checks every
	 * invariant.
	 * @param data the fuzzer's input: the offsets first, the rest is the bytes
	 * @param prefix text that gets the session to the state under test
	 * @param suffix text sent after the fuzzer's bytes
	 */
	void run(FuzzedDataProvider data, String prefix, String suffix) {
		int[] cuts = new int[data.consumeInt(0, 8)];
		for (int i = 0; i < cuts.length; i++) {
			cuts[i] = data.consumeInt(0, 1 << 16);
		}
		byte[] body = data.consumeRemainingAsBytes();
		send(prefix.getBytes(StandardCharsets.UTF_8));
		sendInPieces(body, cuts);
		send(suffix.getBytes(StandardCharsets.UTF_8));
		finish();
	}

	/**
	 * Sends {@code bytes} split at {@code cuts} (clamped and sorted).
	 */
	void sendInPieces(byte[] bytes, int[] cuts) {
		int[] sorted = Arrays.stream(cuts).map((cut) -> Math.min(cut, bytes.length)).sorted().toArray();
		int from = 0;
		for (int cut : sorted) {
			send(Arrays.copyOfRange(bytes, from, cut));
			from = cut;
		}
		send(Arrays.copyOfRange(bytes, from, bytes.length));
	}

	/**
	 * Writes one piece, if the server asked to read; drops it if it did not (it waits for
	 * something that never comes in a test, or closed).
	 */
	void send(byte[] piece) {
		if (piece.length == 0 || !this.channel.isOpen() || !this.readRequested) {
			return;
		}
		this.readRequested = false;
		ByteBuf in = Unpooled.wrappedBuffer(piece);
		this.written.add(in);
		this.channel.writeInbound(in);
		settle();
	}

	/** Runs hooks and event-loop tasks until nothing is left, checking as it goes. */
	private void settle() {
		do {
			this.channel.runPendingTasks();
			this.channel.checkException();
			Runnable task = this.hookTasks.poll();
			if (task == null) {
				break;
			}
			task.run();
		}
		while (true);
		drainReplies();
		if (this.proxyDecoder != null && this.channel.pipeline().context(this.proxyDecoder) != null) {
			assertThat(this.proxyDecoder.bufferedBytes()).as("bytes held waiting for the PROXY header")
				.isLessThanOrEqualTo(ProxyHeaderDecoder.MAX_HEADER_BYTES);
		}
		if (this.proxyDecoder != null && !this.proxyAccepted) {
			assertThat(this.replies.readableBytes()).as("bytes written before a PROXY header was accepted").isZero();
		}
		if (this.readRequested && this.channel.isOpen() && this.framer != null) {
			assertThat(this.framer.bufferedBytes()).as("bytes held while asking for more")
				.isLessThan(this.maxCommandLength);
		}
	}

	private void drainReplies() {
		Object out;
		while ((out = this.channel.readOutbound()) != null) {
			ByteBuf bytes = (ByteBuf) out;
			this.replies.writeBytes(bytes);
			bytes.release();
		}
	}

	/**
	 * Returns whether the server accepted a PROXY header (and the session began).
	 * @return whether it did
	 */
	boolean proxyAccepted() {
		return this.proxyAccepted;
	}

	/**
	 * Returns whether the channel is open, and the server asked for more bytes.
	 * @return whether it waits for the client
	 */
	boolean waitsForClient() {
		return this.channel.isOpen() && this.readRequested;
	}

	/**
	 * Returns whether the channel is open.
	 * @return whether it is
	 */
	boolean isOpen() {
		return this.channel.isOpen();
	}

	/**
	 * Closes the channel and checks the replies and that every buffer was released.
	 * @return the text of all replies
	 */
	String finish() {
		this.channel.close();
		settle();
		this.channel.checkException();
		this.initializer.close();
		byte[] text = new byte[this.replies.readableBytes()];
		this.replies.readBytes(text);
		ReplyChecks.assertWellFormed(text);
		for (ByteBuf buffer : this.allocated) {
			assertThat(buffer.refCnt()).as("a buffer the pipeline allocated is released").isZero();
		}
		for (ByteBuf buffer : this.written) {
			assertThat(buffer.refCnt()).as("a buffer the client sent is released").isZero();
		}
		return new String(text, StandardCharsets.US_ASCII);
	}

	/** Accepts everything, and checks that no message over the limit reaches it. */
	private static final class SizeCheckingHandler implements SmtpHandler {

		@Override
		public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
			assertThat(content.size()).as("message size seen by the handler").isLessThanOrEqualTo(DATA_SIZE_LIMIT);
			return null;
		}

	}

	/**
	 * Sits behind the PROXY handler, which passes {@code channelActive} on only once it
	 * accepted a header: checks that nothing was written before.
	 */
	private final class ProxyAcceptWatcher extends ChannelInboundHandlerAdapter {

		@Override
		public void channelActive(ChannelHandlerContext ctx) {
			drainReplies();
			assertThat(FuzzSession.this.replies.readableBytes()).as("bytes written before the PROXY header").isZero();
			FuzzSession.this.proxyAccepted = true;
			ctx.fireChannelActive();
		}

	}

	/** Notes the server's read requests, which a socket would turn into reads. */
	private final class ReadWatcher extends ChannelOutboundHandlerAdapter {

		@Override
		public void read(ChannelHandlerContext ctx) {
			FuzzSession.this.readRequested = true;
			ctx.read();
		}

	}

	/** Keeps every buffer it hands out, to check later that each was released. */
	private final class CountingAllocator extends AbstractByteBufAllocator {

		CountingAllocator() {
			super(false);
		}

		@Override
		protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
			return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
		}

		@Override
		protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
			return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
		}

		@Override
		public boolean isDirectBufferPooled() {
			return false;
		}

		private ByteBuf track(ByteBuf buffer) {
			FuzzSession.this.allocated.add(buffer);
			return buffer;
		}

	}

	private static final class LoopbackChannel extends EmbeddedChannel {

		private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 25);

		private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);

		LoopbackChannel() {
			super(false, false);
			config().setAutoRead(false);
		}

		@Override
		protected SocketAddress localAddress0() {
			return LOCAL;
		}

		@Override
		protected SocketAddress remoteAddress0() {
			return REMOTE;
		}

	}

}
