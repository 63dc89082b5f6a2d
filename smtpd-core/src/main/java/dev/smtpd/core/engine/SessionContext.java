package dev.smtpd.core.engine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.handler.MessageContent.Transfer;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.TlsInfo;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one session on the event loop and what can be done to it: answer, run a
 * hook, start DATA or TLS, wait for one line, shut down. The command families use it as a
 * {@link CommandContext}; {@link SmtpSessionHandler} feeds it Netty's events; the
 * {@link SessionRegistry} runs the admin operations on it. Every method runs on the
 * session's event loop.
 */
final class SessionContext implements CommandContext, SessionTimers.Watched {

	private static final Logger logger = LoggerFactory.getLogger(SessionContext.class);

	private final ServerContext server;

	private final SmtpFrameDecoder framer;

	private final ChannelHandlerContext ctx;

	private final SessionState session;

	private final SessionTimers timers;

	private final HookRunner hooks;

	private final CommandPolicy policy;

	/**
	 * The transaction; {@code null} until a command asks for it, so an idle session holds
	 * none.
	 */
	private @Nullable TransactionState transaction;

	/** Takes the next frame instead of the commands: a SASL exchange waits for it. */
	private @Nullable Consumer<Frame> lineConsumer;

	/** Told if the session ends while {@link #lineConsumer} waits. */
	private @Nullable Consumer<SessionEnd> lineAbandoned;

	private final ReplyFlow replies;

	private @Nullable SessionEnd end;

	private boolean closing;

	private boolean shutdownRequested;

	private boolean handshaking;

	/** How a message comes in; {@code null} until the first DATA or BDAT. */
	private @Nullable MessageIntake intake;

	/** Whether the session still wants a hook's reply. */
	private final BooleanSupplier open;

	private final Runnable activity = this::activity;

	SessionContext(ServerContext server, SmtpFrameDecoder framer, ChannelHandlerContext ctx, SessionState session) {
		this.server = server;
		this.framer = framer;
		this.ctx = ctx;
		this.session = session;
		this.open = () -> !this.closing && ctx.channel().isActive();
		this.policy = new CommandPolicy(server.config());
		this.replies = new ReplyFlow(ctx, framer, server.listeners(), session);
		this.hooks = new HookRunner(server.hookExecutor(), session.id(), server.config().hooks().timeout(),
				server.config().timeouts().dataTimeout());
		this.timers = new SessionTimers(ctx.executor(), server.config().timeouts().timeout(), this);
		this.timers.startIdle();
	}

	// What the idle timer asks

	@Override
	public long progressNanos() {
		return this.framer.progressNanos();
	}

	@Override
	public boolean serverBusy() {
		// the client waits for us while a hook, a handshake or the disk works: not idle
		MessageIntake intake = this.intake;
		return this.hooks.isRunning() || this.handshaking || (intake != null && intake.isWaitingForDisk());
	}

	@Override
	public void idleTimedOut() {
		if (this.closing || !this.ctx.channel().isActive()) {
			return;
		}
		logger.debug("Session {}: idle timeout", this.session.id());
		replyAndClose(Reply.of(421, "4.4.2", config().hostname() + " Error: timeout exceeded"), SessionEnd.TIMEOUT);
	}

	private MessageIntake intake() {
		MessageIntake intake = this.intake;
		if (intake == null) {
			intake = new MessageIntake(this.server, this.framer, this.ctx, this.timers);
			this.intake = intake;
		}
		return intake;
	}

	/** Ends the transaction's message intake and frees its partial chunks, if any. */
	private void endTransaction() {
		MessageIntake intake = this.intake;
		if (intake != null) {
			intake.transactionEnded();
		}
		TransactionState transaction = this.transaction;
		if (transaction != null) {
			transaction.releaseChunks();
		}
	}

	// What the Netty handler tells the session

	/**
	 * Counts a command about to be answered.
	 * @param verb the verb for the listeners, {@link Verbs#UNKNOWN} for an unrecognized
	 * one
	 */
	void command(String verb) {
		this.replies.command(verb);
	}

	/**
	 * Carries out what the policy decided about a command.
	 * @param refusal the decision
	 */
	void carryOut(CommandPolicy.Refusal refusal) {
		if (refusal.close()) {
			replyAndClose(refusal.reply(), SessionEnd.LIMIT);
		}
		else {
			reply(refusal.reply());
		}
	}

	CommandPolicy policy() {
		return this.policy;
	}

	/**
	 * Takes the consumer of the next frame, if an exchange waits for one.
	 * @return the consumer, or {@code null} when the frame goes to the commands
	 */
	@Nullable Consumer<Frame> takeLineConsumer() {
		Consumer<Frame> consumer = this.lineConsumer;
		this.lineConsumer = null;
		this.lineAbandoned = null;
		return consumer;
	}

	boolean isClosing() {
		return this.closing;
	}

	boolean isHookRunning() {
		return this.hooks.isRunning();
	}

	/** A TLS handshake started: no frame passes until it is over. */
	void handshakeStarted() {
		this.handshaking = true;
	}

	/** The TLS handshake is over, with or without success. */
	void handshakeFinished() {
		this.handshaking = false;
		this.timers.activity();
	}

	/**
	 * Closes without a reply.
	 * @param end why, unless the session already knows
	 */
	void close(SessionEnd end) {
		if (this.end == null) {
			this.end = end;
		}
		this.closing = true;
		this.ctx.close();
	}

	/**
	 * The client half-closed and every command it sent is answered: closes once the
	 * replies are written.
	 */
	void inputEnded() {
		if (this.end == null) {
			this.end = SessionEnd.DISCONNECT;
		}
		this.closing = true;
		this.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
	}

	/**
	 * The channel closed: stops the timers and tells a waiting exchange.
	 * @return why the session ended
	 */
	SessionEnd closed() {
		this.closing = true;
		this.timers.cancelAll();
		this.hooks.close();
		endTransaction();
		SessionEnd end = (this.end != null) ? this.end : SessionEnd.DISCONNECT;
		Consumer<SessionEnd> abandoned = this.lineAbandoned;
		if (this.lineConsumer != null && abandoned != null) {
			abandoned.accept(end);
		}
		return end;
	}

	/**
	 * Runs work on the hook executor once no hook of this session runs.
	 * @param work the work
	 */
	void runWhenHooksIdle(Runnable work) {
		this.hooks.runWhenIdle(work);
	}

	/** The channel can take writes again: let through what waited for it. */
	void writable() {
		if (!this.replies.waitsForWritable()) {
			return;
		}
		Reply last = this.replies.writable();
		if (last != null) {
			reply(last);
		}
		this.ctx.flush();
	}

	/** Notes that the server finished something the client waited for (a greeting). */
	void activity() {
		this.timers.activity();
	}

	// CommandContext

	@Override
	public SessionState session() {
		return this.session;
	}

	@Override
	public TransactionState transaction() {
		TransactionState transaction = this.transaction;
		if (transaction == null) {
			transaction = new TransactionState();
			this.transaction = transaction;
		}
		return transaction;
	}

	private boolean hasSender() {
		TransactionState transaction = this.transaction;
		return transaction != null && transaction.hasSender();
	}

	@Override
	public ServerContext server() {
		return this.server;
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
	public void replyEach(List<Reply> replies) {
		Reply last = this.replies.writeEach(replies);
		if (last != null) {
			reply(last);
		}
	}

	@Override
	public void write(Reply reply) {
		if (reply == HandlerChain.DROP) {
			// replies written before reach the client, as they would have from a server
			// that went away now
			this.replies.forgetCommand();
			this.timers.cancelDataDeadline();
			this.ctx.flush();
			close(SessionEnd.DROPPED);
			return;
		}
		this.replies.write(reply);
	}

	@Override
	public void replyAndClose(Reply reply, SessionEnd end) {
		if (reply == HandlerChain.DROP) {
			write(reply);
			return;
		}
		if (this.end == null) {
			this.end = end;
		}
		this.replies.completed(reply);
		this.closing = true;
		this.timers.cancelDataDeadline();
		this.ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
		if (this.ctx.channel().isActive()) {
			this.timers.forceCloseLater(this.ctx::close);
		}
	}

	/**
	 * Lets the framer pass the next frame, once the channel can take more replies.
	 */
	void next() {
		if (this.closing || this.handshaking) {
			return;
		}
		if (this.shutdownRequested && !hasSender()) {
			replyAndClose(shuttingDown(), SessionEnd.SHUTDOWN);
			return;
		}
		this.replies.resume();
	}

	@Override
	public void answering(String verb) {
		this.replies.answering(verb);
	}

	@Override
	public void runHook(Hook hook, HandlerChain.HookCall call, Consumer<@Nullable Reply> then) {
		HandlerChain chain = this.server.chain();
		if (chain.isEmpty(hook)) {
			then.accept(null);
			return;
		}
		if (chain.runsOnEventLoop(hook)) {
			then.accept(chain.call(hook, this.session, call));
			return;
		}
		runOffLoop(() -> chain.call(hook, this.session, call), then, () -> {
		});
	}

	@Override
	public void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused) {
		runOffLoop(work, then, refused, false);
	}

	@Override
	public void runDeliveryOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused) {
		runOffLoop(work, then, refused, true);
	}

	private void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused,
			boolean delivery) {
		boolean started = this.hooks.run(this.ctx, work, this.open, then, this.activity, refused, delivery);
		if (!started) {
			refused.run();
			reply(HookRunner.BUSY);
			return;
		}
		this.framer.readWhileAnswering();
	}

	@Override
	public boolean tryOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable dropped) {
		boolean started = this.hooks.run(this.ctx, work, this.open, then, this.activity, dropped, true);
		if (started) {
			this.framer.readWhileAnswering();
		}
		return started;
	}

	/**
	 * Runs a hook of the session's life (connect, starttls) like {@link #runHook}, but a
	 * session whose hook cannot run does not go on without it: when the hook executor is
	 * full it is answered {@code 421} and closed.
	 * @param hook the hook
	 * @param call the call of one handler's hook
	 * @param then what to do with the deciding reply ({@code null} for the default)
	 */
	void runLifeHook(Hook hook, HandlerChain.HookCall call, Consumer<@Nullable Reply> then) {
		HandlerChain chain = this.server.chain();
		if (chain.isEmpty(hook)) {
			then.accept(null);
			return;
		}
		if (chain.runsOnEventLoop(hook)) {
			then.accept(chain.call(hook, this.session, call));
			return;
		}
		boolean started = this.hooks.run(this.ctx, () -> chain.call(hook, this.session, call), this.open, then,
				this.activity, () -> {
				}, false);
		if (!started) {
			replyAndClose(Reply.of(421, "4.3.2", config().hostname() + " System busy, try again later"),
					SessionEnd.LIMIT);
		}
	}

	@Override
	public void resetTransaction() {
		endTransaction();
		// the next one is made when a command asks for it: a hook may still hold this one
		this.transaction = null;
	}

	@Override
	public void messageReceived(DataStatus status, MessageBuffer message) {
		intake().messageReceived(this, status, message, () -> this.closing);
	}

	@Override
	public MessageBuffer newChunkBuffer() {
		return intake().newBuffer(Transfer.BDAT, transaction().mailOptions().body());
	}

	@Override
	public void startChunk(long size, @Nullable MessageBuffer target, Consumer<Boolean> done) {
		intake().startChunk(this, size, target, done);
		next();
	}

	/**
	 * The last octet of a BDAT chunk arrived.
	 * @param failed whether storing it failed
	 */
	void chunkEnded(boolean failed) {
		intake().chunkEnded(failed);
	}

	@Override
	public void startData() {
		intake().startData(this);
	}

	@Override
	public void dropDuringData(long octets) {
		this.framer.dropAfter(octets, () -> write(HandlerChain.DROP));
	}

	@Override
	public int discardPipelined() {
		return this.framer.discardBuffered();
	}

	@Override
	public boolean startTls(Reply ready) {
		SslHandler tls;
		try {
			tls = this.server.newSslHandler(this.ctx.alloc());
		}
		catch (RuntimeException ex) {
			logger.warn("Session {}: TLS could not start", this.session.id(), ex);
			return false;
		}
		int dropped = discardPipelined();
		if (dropped > 0) {
			logger.info("Session {}: dropped {} bytes sent after STARTTLS before the handshake", this.session.id(),
					dropped);
		}
		write(ready);
		this.ctx.flush();
		// The 220 is already below this point of the pipeline: only what follows is
		// encrypted.
		this.ctx.pipeline().addBefore(PipelineNames.FRAMER, PipelineNames.TLS, tls);
		awaitHandshake();
		return true;
	}

	/** Waits for a TLS handshake: no frame passes until it is over. */
	void awaitHandshake() {
		handshakeStarted();
		// AUTO_READ is off: the TLS handler reads on its own only once something asked
		// for a read
		this.ctx.read();
	}

	@Override
	public void awaitLine(Reply prompt, Consumer<Frame> consumer, Consumer<SessionEnd> abandoned) {
		this.lineConsumer = consumer;
		this.lineAbandoned = abandoned;
		this.ctx.writeAndFlush(prompt);
		next();
	}

	@Override
	public void schedule(Runnable task, long delayNanos) {
		this.ctx.executor().schedule(() -> {
			if (!this.closing && this.ctx.channel().isActive()) {
				task.run();
				this.ctx.flush();
			}
		}, delayNanos, TimeUnit.NANOSECONDS);
	}

	// Admin operations, from the SessionRegistry

	private Reply shuttingDown() {
		return Reply.of(421, "4.3.2", config().hostname() + " Service shutting down");
	}

	/**
	 * Asks the session to end: at once if no transaction is under way, else once it is
	 * over.
	 */
	void shutdown() {
		this.shutdownRequested = true;
		// not between the replies of one command (LMTP's per recipient): next() does it
		// after
		if (!this.hooks.isRunning() && !this.closing && !hasSender() && !this.replies.hasPending()) {
			replyAndClose(shuttingDown(), SessionEnd.SHUTDOWN);
		}
	}

	/** Closes at once, without a reply. */
	void closeNow() {
		close(SessionEnd.SHUTDOWN);
	}

	/** Answers {@code 421} and closes, at an operator's request. */
	void closeByAdmin() {
		if (this.closing) {
			return;
		}
		this.replies.forgetCommand();
		replyAndClose(Reply.of(421, "4.3.2", config().hostname() + " Session closed by administrator"),
				SessionEnd.ADMIN);
	}

	/**
	 * Describes the session as it is now.
	 * @return the snapshot
	 */
	SessionSnapshot snapshot() {
		TlsInfo tls = this.session.tls();
		return new SessionSnapshot(this.session.id(), this.session.peerAddress(),
				(this.session.proxy() != null) ? this.session.proxy().proxy() : null, phase(), this.session.heloName(),
				(tls != null) ? tls.protocol() : null, this.session.login(), this.replies.commands(),
				this.framer.bytesRead(), this.session.startedAt(), this.timers.idleTime());
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
		TransactionState transaction = this.transaction;
		if (transaction != null && !transaction.recipients().isEmpty()) {
			return "RCPT";
		}
		if (hasSender()) {
			return "MAIL";
		}
		return (this.session.heloName() != null) ? "GREETED" : "CONNECTED";
	}

	/**
	 * Returns the channel context, for the admin operations to find the event loop.
	 * @return the context
	 */
	ChannelHandlerContext ctx() {
		return this.ctx;
	}

}
