package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.TlsInfo;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of one SMTP session. Receives {@link Frame frames} one at a time from the
 * {@link SmtpFrameDecoder}, which stays paused until this handler has answered and calls
 * {@link #next()}; replies therefore leave in command order (RFC 2920), and while a hook runs on the
 * hook executor nothing more is read. Command families live in {@link GreetingCommands},
 * {@link TransactionCommands} and {@link BasicCommands}.
 */
final class SmtpSessionHandler extends ChannelInboundHandlerAdapter {

	private static final Logger logger = LoggerFactory.getLogger(SmtpSessionHandler.class);

	private static final int SIZE_ALLOWANCE = 26;

	private static final long CLOSE_GRACE_SECONDS = 5;

	private static final int SMTPUTF8_ALLOWANCE = 10;

	private final ServerContext server;

	private final SmtpFrameDecoder framer;

	private @Nullable ChannelHandlerContext ctx;

	private @Nullable SessionState session;

	private TransactionState transaction = new TransactionState();

	/** Verbs counted for the command call limits, and their counts (a map costs more per session). */
	private @Nullable String[] countedVerbs = new String[0];

	private int[] callCounts = new int[0];

	private int unrecognized;

	private boolean hookRunning;

	private boolean resumeWhenWritable;

	private boolean closing;

	private boolean shutdownRequested;

	private boolean handshaking;

	private boolean greeted;

	private @Nullable ScheduledFuture<?> dataDeadline;

	/**
	 * The idle timeout: one timer per session, re-armed for what is left of the timeout. Idle means no
	 * bytes read, and no hook or TLS handshake finished, for {@code timeout}; a client that stops
	 * reading replies is idle too, since the framer stops reading once replies back up.
	 */
	private @Nullable ScheduledFuture<?> idleTimer;

	/** When a hook, a handshake or the greeting last finished. */
	private long activityNanos = System.nanoTime();

	/** Closes the channel if the last reply cannot be flushed; cancelled once the channel closes. */
	private @Nullable ScheduledFuture<?> forcedClose;

	/** Where the next frame goes instead of to the commands (a SASL response); {@code null} if nowhere. */
	private @Nullable Consumer<Frame> frameReceiver;

	/** The verb being answered, for the listeners; {@code null} between commands. */
	private @Nullable String currentVerb;

	private @Nullable SessionEnd end;

	private long commands;

	SmtpSessionHandler(ServerContext server, SmtpFrameDecoder framer) {
		this.server = server;
		this.framer = framer;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		this.ctx = ctx;
		SessionState session = new SessionState(this.server.nextSessionId(),
				(InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress());
		this.session = session;
		this.server.register(session.id(), this);
		logger.debug("Session {}: connected from {}", session.id(), session.peerAddress());
		this.server.listeners().sessionStarted(session);
		scheduleIdleCheck(config().timeout().toNanos());
		if (ctx.pipeline().get(PipelineNames.TLS) != null) {
			// implicit TLS: greet once the handshake is done
			awaitHandshake();
			return;
		}
		greet();
	}

	private void greet() {
		SmtpServerConfig config = config();
		String greeting = config.ident().isEmpty() ? config.hostname() : config.hostname() + " " + config.ident();
		this.greeted = true;
		this.activityNanos = System.nanoTime();
		ctx().writeAndFlush(Reply.of(220, null, greeting));
		next();
	}

	/**
	 * Waits for the TLS handshake that STARTTLS began; no frame passes until it is over.
	 */
	void awaitHandshake() {
		this.handshaking = true;
		// AUTO_READ is off: the TLS handler reads on its own only once something asked for a read
		ctx().read();
	}

	private void handshakeDone(ChannelHandlerContext ctx, SslHandshakeCompletionEvent event) {
		this.handshaking = false;
		this.activityNanos = System.nanoTime();
		if (!event.isSuccess()) {
			logger.debug("Session {}: TLS handshake failed: {}", sessionId(), event.cause().toString());
			this.server.listeners().tlsHandshakeCompleted(session(), null, false);
			this.end = (event.cause() instanceof SslHandshakeTimeoutException) ? SessionEnd.TIMEOUT : SessionEnd.ERROR;
			this.closing = true;
			ctx.close();
			return;
		}
		SslHandler tls = (SslHandler) ctx.pipeline().get(PipelineNames.TLS);
		SessionState session = session();
		session.tls(StarttlsCommand.info(tls));
		this.server.listeners().tlsHandshakeCompleted(session, session.tls().protocol(), true);
		logger.debug("Session {}: TLS {} {}", sessionId(), session.tls().protocol(), session.tls().cipherSuite());
		if (!this.greeted) {
			greet();
			return;
		}
		// RFC 3207 §4.2: forget what the client said in plaintext
		session.greeted(null, false);
		session.authenticated(null, null);
		resetTransaction();
		next();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		this.closing = true;
		cancelDataDeadline();
		cancel(this.forcedClose);
		this.forcedClose = null;
		cancel(this.idleTimer);
		this.idleTimer = null;
		this.frameReceiver = null;
		SessionState session = this.session;
		if (session != null) {
			this.server.unregister(session.id());
			SessionEnd end = (this.end != null) ? this.end : SessionEnd.DISCONNECT;
			logger.debug("Session {}: ended ({})", session.id(), end);
			this.server.listeners()
				.sessionEnded(session, end, Duration.between(session.startedAt(), java.time.Instant.now()));
			if (!chain().isEmpty(Hook.DISCONNECTED)) {
				try {
					this.server.hookExecutor()
						.execute(() -> chain().call(Hook.DISCONNECTED, session, (handler) -> {
							handler.disconnected(session);
							return null;
						}));
				}
				catch (RejectedExecutionException ex) {
					logger.debug("Session {}: disconnected hook not run, executor refused it", session.id());
				}
			}
		}
		ctx.fireChannelInactive();
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (!(msg instanceof Frame frame)) {
			ReferenceCountUtil.release(msg);
			return;
		}
		if (this.closing) {
			if (frame instanceof Frame.DataEnd end) {
				end.message().release();
			}
			return;
		}
		Consumer<Frame> receiver = this.frameReceiver;
		if (receiver != null) {
			this.frameReceiver = null;
			receiver.accept(frame);
			return;
		}
		if (frame instanceof Frame.Command command) {
			try {
				onCommand(command.line());
			}
			catch (RuntimeException ex) {
				// a bug of ours must cost one command, not the session
				logger.error("Session {}: command failed", sessionId(), ex);
				if (!this.hookRunning && !this.closing) {
					reply(Reply.LOCAL_ERROR);
				}
			}
		}
		else if (frame instanceof Frame.BadCommand bad) {
			this.commands++;
			this.currentVerb = Verbs.UNKNOWN;
			if (++this.unrecognized > config().maxUnrecognizedCommands()) {
				replyAndClose(Reply.of(502, "5.5.1", "Too many unrecognized commands, goodbye"), SessionEnd.LIMIT);
				return;
			}
			reply(bad.reply());
		}
		else if (frame instanceof Frame.DataEnd end) {
			cancelDataDeadline();
			TransactionCommands.dataEnd(this, end.status(), end.message());
		}
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		ctx.flush();
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) {
		if (ctx.channel().isWritable() && this.resumeWhenWritable) {
			this.resumeWhenWritable = false;
			this.framer.resume();
			ctx.flush();
		}
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
		if (evt instanceof SslHandshakeCompletionEvent handshake) {
			if (!this.closing) {
				handshakeDone(ctx, handshake);
			}
			return;
		}
		ctx.fireUserEventTriggered(evt);
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		logger.debug("Session {}: closing after I/O error", sessionId(), cause);
		this.closing = true;
		if (this.end == null) {
			this.end = SessionEnd.ERROR;
		}
		ctx.close();
	}

	private int countCall(String verb) {
		@Nullable String[] verbs = this.countedVerbs;
		for (int i = 0; i < verbs.length; i++) {
			if (verbs[i] == null) {
				verbs[i] = verb;
				return ++this.callCounts[i];
			}
			if (verbs[i].equals(verb)) {
				return ++this.callCounts[i];
			}
		}
		int slot = verbs.length;
		this.countedVerbs = Arrays.copyOf(verbs, slot + 4);
		this.callCounts = Arrays.copyOf(this.callCounts, slot + 4);
		this.countedVerbs[slot] = verb;
		return ++this.callCounts[slot];
	}

	private void onCommand(String line) {
		int space = line.indexOf(' ');
		String verb = ((space < 0) ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
		String argument = (space < 0) ? "" : line.substring(space + 1).strip();
		if (exceedsLengthLimit(verb, line)) {
			reply(Reply.LINE_TOO_LONG);
			return;
		}
		this.commands++;
		boolean known = Verbs.isBuiltIn(verb) || this.server.commands().containsKey(verb);
		this.currentVerb = known ? verb : Verbs.UNKNOWN;
		String counted = known ? verb : "*";
		int limit = config().commandCallLimit(counted);
		if (limit > 0 && countCall(counted) > limit) {
			replyAndClose(Reply.of(421, "4.7.0", config().hostname() + " Error: too many " + counted + " commands"),
					SessionEnd.LIMIT);
			return;
		}
		if (config().requireStarttls() && session().tls() == null && needsTls(verb)) {
			reply(StarttlsCommand.TLS_REQUIRED);
			return;
		}
		if (config().authRequired() && !session().isAuthenticated() && needsAuth(verb)) {
			reply(Reply.AUTH_REQUIRED);
			return;
		}
		switch (verb) {
			case "AUTH" -> AuthCommand.auth(this, argument);
			case "STARTTLS" -> StarttlsCommand.starttls(this, argument);
			case "HELO", "EHLO" -> GreetingCommands.greet(this, verb.equals("EHLO"), argument);
			case "MAIL" -> TransactionCommands.mail(this, argument);
			case "RCPT" -> TransactionCommands.rcpt(this, argument);
			case "DATA" -> TransactionCommands.data(this, argument);
			case "RSET" -> TransactionCommands.rset(this, argument);
			case "NOOP" -> BasicCommands.noop(this, argument);
			case "VRFY" -> BasicCommands.vrfy(this, argument);
			case "EXPN" -> reply(Reply.of(502, "5.5.1", "EXPN not implemented"));
			case "HELP" -> BasicCommands.help(this, argument);
			case "QUIT" -> BasicCommands.quit(this, argument);
			default -> {
				SmtpCommand command = this.server.commands().get(verb);
				if (command != null) {
					BasicCommands.custom(this, command, argument);
				}
				else {
					unrecognized();
				}
			}
		}
	}

	private static boolean needsTls(String verb) {
		return switch (verb) {
			case "EHLO", "HELO", "NOOP", "RSET", "QUIT", "STARTTLS" -> false;
			default -> true;
		};
	}

	private boolean needsAuth(String verb) {
		return switch (verb) {
			case "AUTH", "EHLO", "HELO", "NOOP", "RSET", "QUIT", "STARTTLS" -> false;
			default -> true;
		};
	}

	/**
	 * Hands the next frame to {@code receiver} instead of to the commands: how a SASL exchange
	 * gets the client's response. The caller then lets the frame through with {@link #next()}.
	 * @param receiver what takes the next frame, on the event loop
	 */
	void nextFrameTo(Consumer<Frame> receiver) {
		this.frameReceiver = receiver;
	}

	private boolean exceedsLengthLimit(String verb, String line) {
		int limit = config().commandSizeLimit();
		if (verb.equals("MAIL")) {
			limit += SIZE_ALLOWANCE + (config().smtputf8() ? SMTPUTF8_ALLOWANCE : 0);
		}
		return line.length() + 2 > limit && line.getBytes(StandardCharsets.UTF_8).length + 2 > limit;
	}

	void unrecognized() {
		if (++this.unrecognized > config().maxUnrecognizedCommands()) {
			replyAndClose(Reply.of(502, "5.5.1", "Too many unrecognized commands, goodbye"), SessionEnd.LIMIT);
		}
		else {
			reply(Reply.UNRECOGNIZED);
		}
	}

	/**
	 * Writes a reply and lets the next frame through.
	 * @param reply the reply
	 */
	void reply(Reply reply) {
		completed(reply);
		ctx().write(reply);
		next();
	}

	/**
	 * Tells the listeners that the current command got its reply; for replies written directly.
	 * @param reply the reply
	 */
	void completed(Reply reply) {
		String verb = this.currentVerb;
		if (verb != null) {
			this.currentVerb = null;
			SessionState session = this.session;
			if (session != null) {
				this.server.listeners().commandCompleted(session, verb, reply.code());
			}
		}
	}

	/**
	 * Writes a reply, flushes it, and closes the connection.
	 * @param reply the reply
	 */
	void replyAndClose(Reply reply, SessionEnd end) {
		if (this.end == null) {
			this.end = end;
		}
		completed(reply);
		this.closing = true;
		cancelDataDeadline();
		ChannelHandlerContext ctx = ctx();
		ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
		// A client that does not read can keep the reply from ever being written: close anyway. The
		// timer is cancelled as soon as the channel closes, so that a server closing thousands of
		// connections a second does not keep thousands of timers (and their channels) for seconds.
		if (this.forcedClose == null && ctx.channel().isActive()) {
			this.forcedClose = ctx.executor().schedule(() -> ctx.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
		}
	}

	/**
	 * Lets the framer pass the next frame, once the channel can take more replies.
	 */
	void next() {
		if (this.closing || this.handshaking) {
			return;
		}
		if (this.shutdownRequested && !this.transaction.hasSender()) {
			replyAndClose(Reply.of(421, "4.3.2", config().hostname() + " Service shutting down"), SessionEnd.SHUTDOWN);
			return;
		}
		if (ctx().channel().isWritable()) {
			this.framer.resume();
		}
		else {
			this.resumeWhenWritable = true;
		}
	}

	/**
	 * Runs a hook: on the event loop when no handler overrides it, else on the hook executor.
	 * @param hook the hook
	 * @param call the call of one handler's hook
	 * @param then what to do with the deciding reply ({@code null} for the default), on the event loop
	 */
	void runHook(Hook hook, HandlerChain.HookCall call, Consumer<@Nullable Reply> then) {
		if (chain().isEmpty(hook)) {
			then.accept(null);
			return;
		}
		SessionState session = session();
		runOffLoop(() -> chain().call(hook, session, call), then);
	}

	/**
	 * Runs user code on the hook executor and hands its reply back to the event loop.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 */
	void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then) {
		runOffLoop(work, then, () -> {
		});
	}

	/**
	 * Runs user code on the hook executor and hands its reply back to the event loop.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 * @param refused what to clean up if the executor refuses the work
	 */
	void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused) {
		ChannelHandlerContext ctx = ctx();
		this.hookRunning = true;
		try {
			this.server.hookExecutor().execute(() -> {
				Reply reply;
				try {
					reply = work.call();
				}
				catch (Throwable ex) {
					logger.warn("Session {}: hook failed", sessionId(), ex);
					reply = Reply.LOCAL_ERROR;
				}
				Reply result = reply;
				ctx.executor().execute(() -> {
					this.hookRunning = false;
					this.activityNanos = System.nanoTime();
					if (!this.closing && ctx.channel().isActive()) {
						then.accept(result);
						ctx.flush();
					}
				});
			});
		}
		catch (RejectedExecutionException ex) {
			this.hookRunning = false;
			refused.run();
			logger.warn("Session {}: hook executor is full", sessionId());
			reply(Reply.of(451, "4.3.2", "System busy, try again later"));
		}
	}

	/** When the client last sent bytes, or a hook, a handshake or the greeting last finished. */
	private long lastActivityNanos() {
		return Math.max(this.activityNanos, this.framer.lastReadNanos());
	}

	private void scheduleIdleCheck(long delayNanos) {
		this.idleTimer = ctx().executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
	}

	private void checkIdle() {
		this.idleTimer = null;
		if (this.closing || !ctx().channel().isActive()) {
			return;
		}
		long timeout = config().timeout().toNanos();
		long idle = System.nanoTime() - lastActivityNanos();
		if (idle < timeout) {
			scheduleIdleCheck(timeout - idle);
		}
		else if (this.hookRunning || this.handshaking) {
			// a hook has its own bounds, a handshake its own timeout; the client waits for us
			scheduleIdleCheck(timeout);
		}
		else {
			logger.debug("Session {}: idle timeout", sessionId());
			replyAndClose(Reply.of(421, "4.4.2", config().hostname() + " Error: timeout exceeded"), SessionEnd.TIMEOUT);
		}
	}

	void startDataDeadline() {
		this.dataDeadline = ctx().executor().schedule(() -> {
			logger.debug("Session {}: DATA took longer than {}", sessionId(), config().dataTimeout());
			replyAndClose(Reply.of(421, "4.4.2", config().hostname() + " Error: DATA took too long"), SessionEnd.TIMEOUT);
		}, config().dataTimeout().toNanos(), TimeUnit.NANOSECONDS);
	}

	private void cancelDataDeadline() {
		cancel(this.dataDeadline);
		this.dataDeadline = null;
	}

	private static void cancel(@Nullable ScheduledFuture<?> timer) {
		if (timer != null) {
			timer.cancel(false);
		}
	}

	/**
	 * Asks the session to end: at once if no transaction is under way, else once it is over.
	 * Call on the event loop.
	 */
	void shutdown() {
		this.shutdownRequested = true;
		if (!this.hookRunning && !this.closing && !this.transaction.hasSender()) {
			replyAndClose(Reply.of(421, "4.3.2", config().hostname() + " Service shutting down"), SessionEnd.SHUTDOWN);
		}
	}

	void closeNow() {
		if (this.end == null) {
			this.end = SessionEnd.SHUTDOWN;
		}
		this.closing = true;
		if (this.ctx != null) {
			this.ctx.close();
		}
	}

	/**
	 * Answers {@code 421} and closes, at an operator's request. Call on the event loop.
	 */
	void closeByAdmin() {
		if (this.closing || this.ctx == null) {
			return;
		}
		this.currentVerb = null;
		replyAndClose(Reply.of(421, "4.3.2", config().hostname() + " Session closed by administrator"),
				SessionEnd.ADMIN);
	}

	/**
	 * Describes the session as it is now. Call on the event loop.
	 * @return the snapshot
	 */
	SessionSnapshot snapshot() {
		SessionState session = session();
		TlsInfo tls = session.tls();
		return new SessionSnapshot(session.id(), session.peerAddress(), null, phase(), session.heloName(),
				(tls != null) ? tls.protocol() : null, session.login(), this.commands, this.framer.bytesRead(),
				session.startedAt(), Duration.ofNanos(System.nanoTime() - lastActivityNanos()));
	}

	private String phase() {
		if (this.closing) {
			return "CLOSING";
		}
		if (this.handshaking) {
			return "TLS_HANDSHAKE";
		}
		if (this.frameReceiver != null) {
			return "AUTH";
		}
		if (this.framer.inData()) {
			return "DATA";
		}
		if (!this.transaction.recipients().isEmpty()) {
			return "RCPT";
		}
		if (this.transaction.hasSender()) {
			return "MAIL";
		}
		return (session().heloName() != null) ? "GREETED" : "CONNECTED";
	}

	/**
	 * Sets the verb the next reply answers, for a reply that ends a multi-step command (DATA).
	 * @param verb the verb
	 */
	void answering(String verb) {
		this.currentVerb = verb;
	}

	void resetTransaction() {
		this.transaction = new TransactionState();
	}

	ChannelHandlerContext ctx() {
		ChannelHandlerContext ctx = this.ctx;
		if (ctx == null) {
			throw new IllegalStateException("Session not active");
		}
		return ctx;
	}

	SessionState session() {
		SessionState session = this.session;
		if (session == null) {
			throw new IllegalStateException("Session not active");
		}
		return session;
	}

	String sessionId() {
		return (this.session != null) ? this.session.id() : "-";
	}

	TransactionState transaction() {
		return this.transaction;
	}

	SmtpFrameDecoder framer() {
		return this.framer;
	}

	ServerContext server() {
		return this.server;
	}

	SmtpServerConfig config() {
		return this.server.config();
	}

	HandlerChain chain() {
		return this.server.chain();
	}

}
