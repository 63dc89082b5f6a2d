package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session on its channel: turns Netty's events into the session's steps and
 * carries out what the command families and the {@link CommandPolicy} decide. Receives
 * {@link Frame frames} one at a time from the {@link SmtpFrameDecoder}, which stays
 * paused until this handler has answered and calls {@link #next()}; replies therefore
 * leave in command order (RFC 2920), and while a hook runs nothing more is read. Timers
 * are in {@link SessionTimers}, the hook executor hop in {@link HookRunner}; the command
 * families see this handler only as a {@link CommandContext}.
 */
final class SmtpSessionHandler extends ChannelInboundHandlerAdapter implements CommandContext {

	private static final Logger logger = LoggerFactory.getLogger(SmtpSessionHandler.class);

	private final ServerContext server;

	private final SmtpFrameDecoder framer;

	private @Nullable ChannelHandlerContext ctx;

	private @Nullable SessionState session;

	private @Nullable SessionTimers timers;

	private @Nullable HookRunner hooks;

	private final CommandPolicy policy;

	private TransactionState transaction = new TransactionState();

	/**
	 * Takes the next frame instead of the command dispatcher: a SASL exchange waits for
	 * it.
	 */
	private @Nullable Consumer<Frame> lineConsumer;

	/** Told if the session ends while {@link #lineConsumer} waits. */
	private @Nullable Consumer<SessionEnd> lineAbandoned;

	/** The verb being answered, for the listeners; {@code null} between commands. */
	private @Nullable String currentVerb;

	private @Nullable SessionEnd end;

	private long commands;

	private boolean resumeWhenWritable;

	private boolean closing;

	private boolean shutdownRequested;

	private boolean handshaking;

	private boolean greeted;

	SmtpSessionHandler(ServerContext server, SmtpFrameDecoder framer) {
		this.server = server;
		this.framer = framer;
		this.policy = new CommandPolicy(server.config());
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		this.ctx = ctx;
		SessionState session = new SessionState(this.server.nextSessionId(),
				(InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress());
		this.session = session;
		this.hooks = new HookRunner(this.server.hookExecutor(), session.id());
		this.timers = new SessionTimers(ctx.executor(), config().timeouts().timeout(), this.framer::lastReadNanos);
		this.server.register(session.id(), this);
		logger.debug("Session {}: connected from {}", session.id(), session.peerAddress());
		this.server.listeners().sessionStarted(session);
		timers().startIdle(() -> hooks().isRunning() || this.handshaking, this::idleTimeout);
		if (ctx.pipeline().get(PipelineNames.TLS) != null) {
			// implicit TLS: the connect hook and the greeting wait for the handshake
			awaitHandshake();
			return;
		}
		connect();
	}

	/** Runs the connect hook, then greets the client unless a handler refused it. */
	private void connect() {
		SessionState session = session();
		runHook(Hook.CONNECT, (handler) -> handler.connect(session), (refusal) -> {
			if (refusal != null) {
				logger.debug("Session {}: refused by the connect hook", session.id());
				replyAndClose(refusal, SessionEnd.REFUSED);
				return;
			}
			greet();
		});
	}

	private void greet() {
		SmtpServerConfig config = config();
		String greeting = config.ident().isEmpty() ? config.hostname() : config.hostname() + " " + config.ident();
		this.greeted = true;
		timers().activity();
		ctx().write(Reply.of(220, null, greeting));
		ctx().flush();
		next();
	}

	private void awaitHandshake() {
		this.handshaking = true;
		// AUTO_READ is off: the TLS handler reads on its own only once something asked
		// for a read
		ctx().read();
	}

	private void handshakeDone(ChannelHandlerContext ctx, SslHandshakeCompletionEvent event) {
		this.handshaking = false;
		timers().activity();
		SessionState session = session();
		if (!event.isSuccess()) {
			logger.debug("Session {}: TLS handshake failed: {}", session.id(), event.cause().toString());
			this.server.listeners().tlsHandshakeCompleted(session, null, false);
			this.end = (event.cause() instanceof SslHandshakeTimeoutException) ? SessionEnd.TIMEOUT : SessionEnd.ERROR;
			this.closing = true;
			ctx.close();
			return;
		}
		TlsInfo tls = StarttlsCommand.info((SslHandler) ctx.pipeline().get(PipelineNames.TLS));
		session.tls(tls);
		this.server.listeners().tlsHandshakeCompleted(session, tls.protocol(), true);
		logger.debug("Session {}: TLS {} {}", session.id(), tls.protocol(), tls.cipherSuite());
		runHook(Hook.STARTTLS, (handler) -> handler.starttls(session, tls), (refusal) -> {
			if (refusal != null) {
				logger.debug("Session {}: refused by the starttls hook", session.id());
				replyAndClose(refusal, SessionEnd.REFUSED);
			}
			else if (!this.greeted) {
				connect();
			}
			else {
				// RFC 3207 §4.2: forget what the client said in plaintext
				session.greeted(null, false);
				session.authenticated(null, null);
				resetTransaction();
				next();
			}
		});
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		this.closing = true;
		SessionState session = this.session;
		if (session != null) {
			timers().cancelAll();
			this.server.unregister(session.id());
			SessionEnd end = (this.end != null) ? this.end : SessionEnd.DISCONNECT;
			Consumer<SessionEnd> abandoned = this.lineAbandoned;
			if (this.lineConsumer != null && abandoned != null) {
				abandoned.accept(end);
			}
			logger.debug("Session {}: ended ({})", session.id(), end);
			this.server.listeners().sessionEnded(session, end, Duration.between(session.startedAt(), Instant.now()));
			runDisconnectedHook(session);
		}
		ctx.fireChannelInactive();
	}

	private void runDisconnectedHook(SessionState session) {
		if (chain().isEmpty(Hook.DISCONNECTED)) {
			return;
		}
		try {
			this.server.hookExecutor().execute(() -> chain().call(Hook.DISCONNECTED, session, (handler) -> {
				handler.disconnected(session);
				return null;
			}));
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Session {}: disconnected hook not run, executor refused it", session.id());
		}
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
		Consumer<Frame> lineConsumer = this.lineConsumer;
		if (lineConsumer != null) {
			this.lineConsumer = null;
			this.lineAbandoned = null;
			lineConsumer.accept(frame);
			return;
		}
		if (frame instanceof Frame.Command command) {
			try {
				onCommand(command.line());
			}
			catch (RuntimeException ex) {
				// a bug of ours must cost one command, not the session
				logger.error("Session {}: command failed", sessionId(), ex);
				if (!hooks().isRunning() && !this.closing) {
					reply(Reply.LOCAL_ERROR);
				}
			}
		}
		else if (frame instanceof Frame.BadCommand bad) {
			this.commands++;
			this.currentVerb = Verbs.UNKNOWN;
			carryOut(this.policy.unrecognized(bad.reply()));
		}
		else if (frame instanceof Frame.DataEnd end) {
			timers().cancelDataDeadline();
			MessageBuffer message = end.message();
			// a spilled message is complete once its last chunk is on disk (written off
			// the event loop)
			message.whenWritten(() -> {
				if (this.closing) {
					message.release();
					return;
				}
				DataStatus status = (message.hasFailed() && end.status() == DataStatus.OK) ? DataStatus.IO_ERROR
						: end.status();
				TransactionCommands.dataEnd(this, status, message);
			});
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

	private void onCommand(String line) {
		int space = line.indexOf(' ');
		String verb = ((space < 0) ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
		String argument = (space < 0) ? "" : line.substring(space + 1).strip();
		boolean known = Verbs.isBuiltIn(verb) || this.server.commands().containsKey(verb);
		CommandPolicy.Refusal refusal = this.policy.check(verb, line, known, session());
		if (refusal == null || refusal.counted()) {
			this.commands++;
			this.currentVerb = known ? verb : Verbs.UNKNOWN;
		}
		if (refusal != null) {
			carryOut(refusal);
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

	private void carryOut(CommandPolicy.Refusal refusal) {
		if (refusal.close()) {
			replyAndClose(refusal.reply(), SessionEnd.LIMIT);
		}
		else {
			reply(refusal.reply());
		}
	}

	@Override
	public void unrecognized() {
		carryOut(this.policy.unrecognized(Reply.UNRECOGNIZED));
	}

	@Override
	public void reply(Reply reply) {
		write(reply);
		next();
	}

	@Override
	public void write(Reply reply) {
		completed(reply);
		ctx().write(reply);
	}

	/** Tells the listeners that the current command got its reply. */
	private void completed(Reply reply) {
		String verb = this.currentVerb;
		SessionState session = this.session;
		if (verb != null && session != null) {
			this.currentVerb = null;
			this.server.listeners().commandCompleted(session, verb, reply.code());
		}
	}

	@Override
	public void replyAndClose(Reply reply, SessionEnd end) {
		if (this.end == null) {
			this.end = end;
		}
		completed(reply);
		this.closing = true;
		timers().cancelDataDeadline();
		ChannelHandlerContext ctx = ctx();
		ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
		if (ctx.channel().isActive()) {
			timers().forceCloseLater(ctx::close);
		}
	}

	/**
	 * Lets the framer pass the next frame, once the channel can take more replies.
	 */
	private void next() {
		if (this.closing || this.handshaking) {
			return;
		}
		if (this.shutdownRequested && !this.transaction.hasSender()) {
			replyAndClose(shuttingDown(), SessionEnd.SHUTDOWN);
			return;
		}
		if (ctx().channel().isWritable()) {
			this.framer.resume();
		}
		else {
			this.resumeWhenWritable = true;
		}
	}

	@Override
	public void answering(String verb) {
		this.currentVerb = verb;
	}

	@Override
	public void runHook(Hook hook, HandlerChain.HookCall call, Consumer<@Nullable Reply> then) {
		if (chain().isEmpty(hook)) {
			then.accept(null);
			return;
		}
		SessionState session = session();
		runOffLoop(() -> chain().call(hook, session, call), then, () -> {
		});
	}

	@Override
	public void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused) {
		ChannelHandlerContext ctx = ctx();
		boolean started = hooks().run(ctx, work, () -> !this.closing && ctx.channel().isActive(), then,
				timers()::activity);
		if (!started) {
			refused.run();
			reply(HookRunner.BUSY);
		}
	}

	@Override
	public void resetTransaction() {
		this.transaction = new TransactionState();
	}

	@Override
	public void startData() {
		SmtpServerConfig config = config();
		MessageBuffer buffer = new MessageBuffer(ctx().alloc(), config.content().memoryThreshold(),
				config.content().tempDirectory(), this.server.fileExecutor(), ctx().executor());
		this.framer.startData(config.limits().dataSizeLimit(), buffer);
		timers().startDataDeadline(config.timeouts().dataTimeout(), () -> {
			logger.debug("Session {}: DATA took longer than {}", sessionId(), config.timeouts().dataTimeout());
			replyAndClose(Reply.of(421, "4.4.2", config.hostname() + " Error: DATA took too long"), SessionEnd.TIMEOUT);
		});
	}

	@Override
	public int discardPipelined() {
		return this.framer.discardBuffered();
	}

	@Override
	public boolean startTls(Reply ready) {
		ChannelHandlerContext ctx = ctx();
		SslHandler tls;
		try {
			tls = this.server.newSslHandler(ctx.alloc());
		}
		catch (RuntimeException ex) {
			logger.warn("Session {}: TLS could not start", sessionId(), ex);
			return false;
		}
		int dropped = discardPipelined();
		if (dropped > 0) {
			logger.info("Session {}: dropped {} bytes sent after STARTTLS before the handshake", sessionId(), dropped);
		}
		write(ready);
		ctx.flush();
		// The 220 is already below this point of the pipeline: only what follows is
		// encrypted.
		ctx.pipeline().addBefore(PipelineNames.FRAMER, PipelineNames.TLS, tls);
		awaitHandshake();
		return true;
	}

	@Override
	public void awaitLine(Reply prompt, Consumer<Frame> consumer, Consumer<SessionEnd> abandoned) {
		this.lineConsumer = consumer;
		this.lineAbandoned = abandoned;
		ctx().writeAndFlush(prompt);
		next();
	}

	@Override
	public void schedule(Runnable task, long delayNanos) {
		ctx().executor().schedule(() -> {
			if (!this.closing && ctx().channel().isActive()) {
				task.run();
				ctx().flush();
			}
		}, delayNanos, TimeUnit.NANOSECONDS);
	}

	private void idleTimeout() {
		if (this.closing || !ctx().channel().isActive()) {
			return;
		}
		logger.debug("Session {}: idle timeout", sessionId());
		replyAndClose(Reply.of(421, "4.4.2", config().hostname() + " Error: timeout exceeded"), SessionEnd.TIMEOUT);
	}

	private Reply shuttingDown() {
		return Reply.of(421, "4.3.2", config().hostname() + " Service shutting down");
	}

	/**
	 * Asks the session to end: at once if no transaction is under way, else once it is
	 * over. Call on the event loop.
	 */
	void shutdown() {
		this.shutdownRequested = true;
		if (this.session != null && !hooks().isRunning() && !this.closing && !this.transaction.hasSender()) {
			replyAndClose(shuttingDown(), SessionEnd.SHUTDOWN);
		}
	}

	/** Closes at once, without a reply. Call on the event loop. */
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
				session.startedAt(), timers().idleTime());
	}

	private String phase() {
		if (this.closing) {
			return "CLOSING";
		}
		if (this.handshaking) {
			return "TLS_HANDSHAKE";
		}
		if (this.lineConsumer != null) {
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
	 * Returns the channel context; for the admin operations of {@link SessionRegistry}.
	 * @return the context
	 */
	ChannelHandlerContext ctx() {
		ChannelHandlerContext ctx = this.ctx;
		if (ctx == null) {
			throw new IllegalStateException("Session not active");
		}
		return ctx;
	}

	@Override
	public SessionState session() {
		SessionState session = this.session;
		if (session == null) {
			throw new IllegalStateException("Session not active");
		}
		return session;
	}

	private String sessionId() {
		return (this.session != null) ? this.session.id() : "-";
	}

	private SessionTimers timers() {
		SessionTimers timers = this.timers;
		if (timers == null) {
			throw new IllegalStateException("Session not active");
		}
		return timers;
	}

	private HookRunner hooks() {
		HookRunner hooks = this.hooks;
		if (hooks == null) {
			throw new IllegalStateException("Session not active");
		}
		return hooks;
	}

	@Override
	public TransactionState transaction() {
		return this.transaction;
	}

	@Override
	public ServerContext server() {
		return this.server;
	}

	private HandlerChain chain() {
		return this.server.chain();
	}

}
