package dev.smtpd.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.TlsInfo;
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
 * The Netty end of one SMTP session: opens it (connect hook, TLS, greeting), routes each
 * {@link Frame} to the command it names, and closes it. Receives frames one at a time
 * from the {@link SmtpFrameDecoder}, which stays paused until the session has answered;
 * replies therefore leave in command order (RFC 2920), and while a hook runs nothing more
 * is read. What a command may do to the session is in {@link SessionContext}, what it may
 * not do first in {@link CommandPolicy}.
 */
final class SmtpSessionHandler extends ChannelInboundHandlerAdapter {

	private static final Logger logger = LoggerFactory.getLogger(SmtpSessionHandler.class);

	private final ServerContext server;

	private final SmtpFrameDecoder framer;

	private final SessionRegistry registry;

	private @Nullable SessionContext session;

	private boolean greeted;

	private @Nullable ProxyInfo proxy;

	/**
	 * Whether the proxy hook runs: nothing else of the session may start before it ends.
	 */
	private boolean proxyHookRunning;

	/**
	 * An implicit TLS handshake that succeeded while the proxy hook ran
	 * ({@code SslHandler} reads on its own until its handshake is done): reported at
	 * once, the session goes on with it once the hook admitted it. One that failed closes
	 * the session at once.
	 */
	private @Nullable TlsInfo tlsDuringProxyHook;

	SmtpSessionHandler(ServerContext server, SmtpFrameDecoder framer, SessionRegistry registry) {
		this.server = server;
		this.framer = framer;
		this.registry = registry;
	}

	/**
	 * The connection began with this PROXY header; called before {@code channelActive}.
	 * @param proxy the header
	 */
	void proxied(ProxyInfo proxy) {
		this.proxy = proxy;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		SmtpServerConfig.UnixSocket unixSocket = this.server.config().network().unixSocket();
		ProxyInfo proxy = this.proxy;
		this.proxy = null; // the session holds it
		SessionState state = new SessionState(this.server.nextSessionId(), ctx.channel().remoteAddress(),
				ctx.channel().localAddress(), (unixSocket != null) ? unixSocket.path() : null, proxy,
				this.server.config().protocol() == Protocol.LMTP);
		SessionContext session = new SessionContext(this.server, this.framer, ctx, state);
		this.session = session;
		this.registry.register(session);
		if (proxy != null) {
			logger.debug("Session {}: connected from {} through proxy {} (PROXY v{})", state.id(), state.peerAddress(),
					proxy.proxy(), proxy.version());
		}
		else {
			logger.debug("Session {}: connected from {}", state.id(),
					(state.unixSocketPath() != null) ? "unix:" + state.unixSocketPath() : state.peerAddress());
		}
		this.server.listeners().sessionStarted(state);
		if (proxy == null) {
			open(ctx, session);
			return;
		}
		this.proxyHookRunning = true;
		session.runLifeHook(Hook.PROXY, (handler) -> handler.proxy(state, proxy), (refusal) -> {
			this.proxyHookRunning = false;
			if (refusal != null) {
				logger.debug("Session {}: refused by the proxy hook", state.id());
				session.replyAndClose(refusal, SessionEnd.REFUSED);
				if (ctx.pipeline().get(PipelineNames.TLS) != null) {
					ctx.read(); // implicit TLS: the refusal leaves after the handshake
				}
				return;
			}
			open(ctx, session);
		});
	}

	/** Waits for an implicit TLS handshake, or runs the connect hook. */
	private void open(ChannelHandlerContext ctx, SessionContext session) {
		if (ctx.pipeline().get(PipelineNames.TLS) != null) {
			TlsInfo tls = this.tlsDuringProxyHook;
			this.tlsDuringProxyHook = null;
			if (tls != null) {
				afterHandshake(ctx, session, tls);
				return;
			}
			// implicit TLS: the connect hook and the greeting wait for the handshake
			session.awaitHandshake();
			return;
		}
		connect(session);
	}

	/** Runs the connect hook, then greets the client unless a handler refused it. */
	private void connect(SessionContext session) {
		SessionState state = session.session();
		session.runLifeHook(Hook.CONNECT, (handler) -> handler.connect(state), (refusal) -> {
			if (refusal != null) {
				logger.debug("Session {}: refused by the connect hook", state.id());
				session.replyAndClose(refusal, SessionEnd.REFUSED);
				return;
			}
			this.greeted = true;
			SmtpServerConfig config = session.config();
			String greeting = config.ident().isEmpty() ? config.hostname() : config.hostname() + " " + config.ident();
			session.activity();
			session.ctx().writeAndFlush(Reply.of(220, null, greeting));
			session.next();
		});
	}

	private void handshakeDone(ChannelHandlerContext ctx, SessionContext session, SslHandshakeCompletionEvent event) {
		TlsInfo tls = handshakeEnded(ctx, session, event);
		if (tls != null) {
			afterHandshake(ctx, session, tls);
		}
	}

	/**
	 * Tells the listeners how a handshake ended, and closes the session if it failed.
	 * @return the TLS details, or {@code null} if the handshake failed
	 */
	private @Nullable TlsInfo handshakeEnded(ChannelHandlerContext ctx, SessionContext session,
			SslHandshakeCompletionEvent event) {
		session.handshakeFinished();
		SessionState state = session.session();
		if (!event.isSuccess()) {
			logger.debug("Session {}: TLS handshake failed: {}", state.id(), event.cause().toString());
			this.server.listeners().tlsHandshakeCompleted(state, null, false);
			session
				.close((event.cause() instanceof SslHandshakeTimeoutException) ? SessionEnd.TIMEOUT : SessionEnd.ERROR);
			return null;
		}
		TlsInfo tls = StarttlsCommand.info((SslHandler) ctx.pipeline().get(PipelineNames.TLS));
		state.tls(tls);
		this.server.listeners().tlsHandshakeCompleted(state, tls.protocol(), true);
		logger.debug("Session {}: TLS {} {}", state.id(), tls.protocol(), tls.cipherSuite());
		return tls;
	}

	/**
	 * Goes on after a handshake: the starttls hook, then the greeting or the next
	 * command.
	 */
	private void afterHandshake(ChannelHandlerContext ctx, SessionContext session, TlsInfo tls) {
		SessionState state = session.session();
		if (this.greeted) {
			// STARTTLS: the client speaks next, and waits for our ACK of its Finished
			SessionTickets.send(ctx, (SslHandler) ctx.pipeline().get(PipelineNames.TLS));
			// RFC 3207 §4.2: forget what the client said in plaintext, before a hook sees
			// the session
			state.greeted(null, false);
			state.authenticated(null, null);
			session.resetTransaction();
		}
		session.runLifeHook(Hook.STARTTLS, (handler) -> handler.starttls(state, tls), (refusal) -> {
			if (refusal != null) {
				logger.debug("Session {}: refused by the starttls hook", state.id());
				session.replyAndClose(refusal, SessionEnd.REFUSED);
			}
			else if (!this.greeted) {
				connect(session);
			}
			else {
				session.next();
			}
		});
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		SessionContext session = this.session;
		if (session != null) {
			SessionState state = session.session();
			this.registry.unregister(session);
			SessionEnd end = session.closed();
			logger.debug("Session {}: ended ({})", state.id(), end);
			this.server.listeners().sessionEnded(state, end, Duration.between(state.startedAt(), Instant.now()));
			runDisconnectedHook(session, state);
		}
		ctx.fireChannelInactive();
	}

	private void runDisconnectedHook(SessionContext session, SessionState state) {
		HandlerChain chain = this.server.chain();
		if (chain.isEmpty(Hook.DISCONNECTED)) {
			return;
		}
		session.runWhenHooksIdle(() -> chain.call(Hook.DISCONNECTED, state, (handler) -> {
			handler.disconnected(state);
			return null;
		}));
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (!(msg instanceof Frame frame)) {
			ReferenceCountUtil.release(msg);
			return;
		}
		SessionContext session = this.session;
		if (session == null || session.isClosing()) {
			if (frame instanceof Frame.DataEnd end) {
				end.message().release();
			}
			return;
		}
		if (frame instanceof Frame.InputEnded) {
			// not a line for a waiting exchange (an AUTH challenge): it ends with the
			// session
			session.inputEnded();
			return;
		}
		Consumer<Frame> lineConsumer = session.takeLineConsumer();
		if (lineConsumer != null) {
			lineConsumer.accept(frame);
		}
		else if (frame instanceof Frame.Command command) {
			try {
				onCommand(session, command.line());
			}
			catch (RuntimeException ex) {
				// a bug of ours must cost one command, not the session
				logger.error("Session {}: command failed", session.session().id(), ex);
				if (!session.isHookRunning() && !session.isClosing()) {
					session.reply(Reply.LOCAL_ERROR);
				}
			}
		}
		else if (frame instanceof Frame.BadCommand bad) {
			session.command(Verbs.UNKNOWN);
			session.carryOut(session.policy().unrecognized(bad.reply()));
		}
		else if (frame instanceof Frame.DataEnd end) {
			session.messageReceived(end.status(), end.message());
		}
		else if (frame instanceof Frame.ChunkEnd chunk) {
			session.chunkEnded(chunk.failed());
		}

	}

	private void onCommand(SessionContext session, String line) {
		int space = line.indexOf(' ');
		String verb = ((space < 0) ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
		String argument = (space < 0) ? "" : line.substring(space + 1).strip();
		boolean known = Verbs.isBuiltIn(verb) || this.server.commands().containsKey(verb);
		CommandPolicy.Refusal refusal = session.policy().check(verb, line, known, session.session());
		if (refusal == null || refusal.counted()) {
			session.command(known ? verb : Verbs.UNKNOWN);
		}
		if (refusal != null) {
			if (verb.equals("BDAT") && !refusal.close()) {
				// its chunk follows whatever the answer: consume it
				ChunkingCommands.refuse(session, argument, refusal.reply());
				return;
			}
			session.carryOut(refusal);
			return;
		}
		switch (verb) {
			case "AUTH" -> AuthCommand.auth(session, argument);
			case "STARTTLS" -> StarttlsCommand.starttls(session, argument);
			case "HELO", "EHLO", "LHLO" -> GreetingCommands.greet(session, verb, argument);
			case "MAIL" -> TransactionCommands.mail(session, argument);
			case "RCPT" -> TransactionCommands.rcpt(session, argument);
			case "DATA" -> TransactionCommands.data(session, argument);
			case "BDAT" -> ChunkingCommands.bdat(session, argument);
			case "RSET" -> TransactionCommands.rset(session, argument);
			case "NOOP" -> BasicCommands.noop(session, argument);
			case "VRFY" -> BasicCommands.vrfy(session, argument);
			case "EXPN" -> session.reply(Reply.of(502, "5.5.1", "EXPN not implemented"));
			case "HELP" -> BasicCommands.help(session, argument);
			case "QUIT" -> BasicCommands.quit(session, argument);
			default -> {
				SmtpCommand command = this.server.commands().get(verb);
				if (command != null) {
					BasicCommands.custom(session, command, argument);
				}
				else {
					session.unrecognized();
				}
			}
		}
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		ctx.flush();
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) {
		SessionContext session = this.session;
		if (ctx.channel().isWritable() && session != null) {
			session.writable();
		}
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
		if (evt instanceof SslHandshakeCompletionEvent handshake) {
			SessionContext session = this.session;
			if (session != null && !session.isClosing()) {
				if (this.proxyHookRunning) {
					this.tlsDuringProxyHook = handshakeEnded(ctx, session, handshake);
				}
				else {
					handshakeDone(ctx, session, handshake);
				}
			}
			return;
		}
		ctx.fireUserEventTriggered(evt);
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		SessionContext session = this.session;
		logger.debug("Session {}: closing after I/O error", (session != null) ? session.session().id() : "-", cause);
		if (session != null) {
			session.close(SessionEnd.ERROR);
		}
		else {
			ctx.close();
		}
	}

}
