package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginMechanism;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session state machine on an {@link EmbeddedChannel} with the real pipeline, and a
 * hook executor the test runs by hand: the order of pipelined replies around a hook,
 * shutdown while a hook runs, and the pipeline before and after STARTTLS.
 */
@Tag("transport-independent")
class SessionStateMachineTests {

	private final Queue<Runnable> hookTasks = new ArrayDeque<>();

	private boolean rejectHooks;

	private @Nullable EmbeddedChannel channel;

	private @Nullable SmtpChannelInitializer initializer;

	@AfterEach
	void close() {
		if (this.channel != null) {
			this.channel.finishAndReleaseAll();
		}
		if (this.initializer != null) {
			this.initializer.close();
		}
	}

	private EmbeddedChannel open(Consumer<SmtpServer.Builder> customizer, SmtpHandler... handlers) {
		return open(customizer, null, handlers);
	}

	private EmbeddedChannel open(Consumer<SmtpServer.Builder> customizer, @Nullable Authenticator authenticator,
			SmtpHandler... handlers) {
		SmtpServer.Builder builder = SmtpServer.builder().hostname("mx.test.example").ident("");
		customizer.accept(builder);
		SmtpServer server = builder.build();
		this.initializer = new SmtpChannelInitializer(server.config(), List.of(handlers), List.of(), (task) -> {
			if (this.rejectHooks) {
				throw new RejectedExecutionException("full");
			}
			this.hookTasks.add(task);
		}, authenticator, List.of(new LoginMechanism()), TestCertificates::serverContext, List.of(),
				server.rateLimiter());
		EmbeddedChannel channel = new LoopbackChannel(this.initializer);
		this.channel = channel;
		return channel;
	}

	private void send(String text) {
		channel().writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
		channel().runPendingTasks();
	}

	/**
	 * Runs the hooks waiting on the executor, and what they hand back to the event loop.
	 */
	private void runHooks() {
		while (!this.hookTasks.isEmpty()) {
			this.hookTasks.remove().run();
			channel().runPendingTasks();
		}
	}

	private List<String> replies() {
		List<String> replies = new ArrayList<>();
		Object out;
		while ((out = channel().readOutbound()) != null) {
			ByteBuf bytes = (ByteBuf) out;
			for (String line : bytes.toString(StandardCharsets.US_ASCII).split("\r\n")) {
				if (!line.isEmpty()) {
					replies.add(line);
				}
			}
			bytes.release();
		}
		return replies;
	}

	private EmbeddedChannel channel() {
		EmbeddedChannel channel = this.channel;
		assertThat(channel).isNotNull();
		return channel;
	}

	@Test
	void pipelinedRepliesKeepTheirOrderWhileAHookRuns() {
		open((builder) -> {
		}, new SmtpHandler() {
			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
				return Reply.of(250, "2.1.0", "Sender checked");
			}
		});
		assertThat(replies()).containsExactly("220 mx.test.example");
		send("HELO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nNOOP\r\n");
		// the MAIL hook waits on the executor: nothing after it is read or answered
		assertThat(replies()).containsExactly("250 mx.test.example");
		assertThat(this.hookTasks).hasSize(1);
		runHooks();
		assertThat(replies()).containsExactly("250 2.1.0 Sender checked", "250 2.1.5 OK", "250 2.0.0 OK");
	}

	@Test
	void shutdownWhileAHookRunsAnswersTheCommandFirstThenCloses() {
		open((builder) -> {
		}, new SmtpHandler() {
			@Override
			public @Nullable Reply noop(Session session, String argument) {
				return Reply.of(250, "2.0.0", "Hook says OK");
			}
		});
		replies();
		send("NOOP\r\n");
		assertThat(this.hookTasks).hasSize(1);
		this.initializer.registry().shutdownSessions();
		channel().runPendingTasks();
		assertThat(channel().isOpen()).isTrue();
		assertThat(replies()).isEmpty();
		runHooks();
		assertThat(replies()).containsExactly("250 2.0.0 Hook says OK",
				"421 4.3.2 mx.test.example Service shutting down");
		assertThat(channel().isOpen()).isFalse();
	}

	@Test
	void shutdownDuringATransactionWaitsForItsEnd() {
		open((builder) -> {
		});
		replies();
		send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n");
		replies();
		this.initializer.registry().shutdownSessions();
		channel().runPendingTasks();
		assertThat(channel().isOpen()).isTrue();
		send("RCPT TO:<b@example.com>\r\nDATA\r\n");
		send("Subject: last one\r\n\r\nbody\r\n.\r\n");
		assertThat(replies()).containsExactly("250 2.1.5 OK", "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 OK",
				"421 4.3.2 mx.test.example Service shutting down");
		assertThat(channel().isOpen()).isFalse();
	}

	@Test
	void connectHookRefusalReplacesTheGreetingAndCloses() {
		open((builder) -> {
		}, new SmtpHandler() {
			@Override
			public @Nullable Reply connect(Session session) {
				return session.peerAddress().getAddress().isLoopbackAddress()
						? Reply.of(554, "5.7.1", "Not from " + session.peerAddress().getAddress().getHostAddress())
						: null;
			}
		});
		assertThat(replies()).isEmpty();
		runHooks();
		assertThat(replies()).containsExactly("554 5.7.1 Not from 127.0.0.1");
		assertThat(channel().isOpen()).isFalse();
	}

	@Test
	void aConnectHookTheExecutorCannotTakeClosesWith421InsteadOfGreeting() {
		this.rejectHooks = true;
		open((builder) -> {
		}, new SmtpHandler() {
			@Override
			public @Nullable Reply connect(Session session) {
				return null;
			}
		});
		assertThat(replies()).containsExactly("421 4.3.2 mx.test.example System busy, try again later");
		assertThat(channel().isOpen()).isFalse();
	}

	@Test
	void lmtpRepliesWaitWhileTheChannelTakesNoMoreWrites() {
		EmbeddedChannel channel = open((builder) -> builder.protocol(Protocol.LMTP));
		replies();
		// a small write buffer: a few replies fill it
		channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 64));
		List<Integer> batches = new ArrayList<>();
		channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {

			private int written;

			@Override
			public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
				this.written++;
				ctx.write(msg, promise);
			}

			@Override
			public void flush(ChannelHandlerContext ctx) {
				if (this.written > 0) {
					batches.add(this.written);
					this.written = 0;
				}
				ctx.flush();
			}

		});
		StringBuilder commands = new StringBuilder("LHLO client.example\r\nMAIL FROM:<s@example.com>\r\n");
		for (int i = 0; i < 200; i++) {
			commands.append("RCPT TO:<r").append(i).append("@example.org>\r\n");
		}
		send(commands.append("DATA\r\n").toString());
		replies();
		batches.clear();
		send("body\r\n.\r\n");
		List<String> replies = replies();
		assertThat(replies).hasSize(200).containsOnly("250 2.0.0 OK");
		// written in batches of a few, each flushed when the channel stopped taking more
		assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
		assertThat(batches).hasSizeGreaterThan(10).allMatch((batch) -> batch <= 8);
	}

	@Test
	void pipelineHasTheTlsHandlerInFrontOfTheFramerAfterStarttls() {
		open((builder) -> builder.tls(TlsMode.STARTTLS, TestCertificates::serverContext));
		// the connection limiter removes itself once it admitted the connection
		assertThat(names()).containsExactly(PipelineNames.FRAMER, PipelineNames.ENCODER, PipelineNames.SESSION);
		replies();
		send("EHLO client.example\r\nSTARTTLS\r\nMAIL FROM:<pipelined@example.com>\r\n");
		assertThat(replies()).last().isEqualTo("220 2.0.0 Ready to start TLS");
		assertThat(names()).containsExactly(PipelineNames.TLS, PipelineNames.FRAMER, PipelineNames.ENCODER,
				PipelineNames.SESSION);
		// the MAIL sent in plaintext behind STARTTLS was dropped, not answered
		assertThat(replies()).isEmpty();
	}

	@Test
	void closeDuringAuthHoldsNoThreadAndEndsTheSession() {
		open((builder) -> builder.authRequireTls(false), (session, mechanism, credentials) -> AuthResult.success("x"));
		replies();
		send("EHLO client.example\r\nAUTH LOGIN\r\n");
		assertThat(replies()).last().isEqualTo("334 VXNlcm5hbWU6");
		// the exchange waits for the client on the event loop, not on a hook thread
		assertThat(this.hookTasks).isEmpty();
		assertThat(this.initializer.registry().activeConnections()).isOne();
		channel().close();
		channel().runPendingTasks();
		assertThat(this.hookTasks).isEmpty();
		assertThat(this.initializer.registry().activeConnections()).isZero();
	}

	private List<String> names() {
		return channel().pipeline()
			.names()
			.stream()
			.filter((name) -> !name.startsWith("DefaultChannelPipeline"))
			.toList();
	}

}
