package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.handler.ProxyInfo;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's PROXY protocol policy, behind the {@link ProxyHeaderDecoder} that parses
 * the header. It holds the connection back ({@code channelActive} goes no further) until
 * a header came from a trusted proxy, then hands the header to the session, admits the
 * named client under {@code max-connections-per-address}, adds the TLS handler for
 * implicit TLS (the handshake follows the header), removes itself and lets the session
 * begin. The bytes the client sent behind the header reach the session unchanged, after
 * it began.
 * <p>
 * A connection from outside the trusted networks, a malformed header, anything else
 * first, or no header within the timeout: closed without a word (what is on the other end
 * has not shown that it speaks SMTP), and counted as a refused connection.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

	private static final Logger logger = LoggerFactory.getLogger(ProxyProtocolHandler.class);

	private final ServerContext server;

	private final ConnectionLimiter limiter;

	private final SmtpSessionHandler session;

	private @Nullable ScheduledFuture<?> timeout;

	private boolean done;

	ProxyProtocolHandler(ServerContext server, ConnectionLimiter limiter, SmtpSessionHandler session) {
		this.server = server;
		this.limiter = limiter;
		this.session = session;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		SmtpServerConfig.ProxyProtocol settings = this.server.config().proxyProtocol();
		InetSocketAddress peer = SessionState.inetAddress(ctx.channel().remoteAddress());
		if (!settings.isTrusted(peer.getAddress())) {
			refuse(ctx, ConnectionRefusal.PROXY_UNTRUSTED, "connection from an untrusted address");
			return;
		}
		this.timeout = ctx.executor()
			.schedule(() -> refuse(ctx, ConnectionRefusal.PROXY_TIMEOUT, "no header within the timeout"),
					settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
		ctx.read(); // AUTO_READ is off; the decoder asks for more until the header is in
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (this.done) { // refused: the rest goes nowhere
			ReferenceCountUtil.release(msg);
			return;
		}
		if (!(msg instanceof HAProxyMessage header)) {
			ctx.fireChannelRead(msg);
			return;
		}
		try {
			accept(ctx, ProxyInfos.of(header, SessionState.inetAddress(ctx.channel().remoteAddress())));
		}
		finally {
			header.release();
		}
	}

	private void accept(ChannelHandlerContext ctx, ProxyInfo proxy) {
		this.done = true;
		cancelTimeout();
		// a LOCAL header on the Unix domain socket names no IP address: no per-address
		// count
		boolean hasAddress = proxy.source() != null || ctx.channel().remoteAddress() instanceof InetSocketAddress;
		InetSocketAddress client = (proxy.source() != null) ? proxy.source() : proxy.proxy();
		if (hasAddress && !this.limiter.admit(ctx, client)) {
			return;
		}
		this.session.proxied(proxy);
		if (this.server.config().tls().mode() == TlsMode.IMPLICIT) {
			ctx.pipeline().addAfter(ctx.name(), PipelineNames.TLS, this.server.newSslHandler(ctx.alloc()));
		}
		ctx.pipeline().remove(this);
		ctx.fireChannelActive();
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		if (this.done) {
			ctx.fireExceptionCaught(cause);
			return;
		}
		if (cause instanceof DecoderException) {
			refuse(ctx, ConnectionRefusal.PROXY_INVALID, "invalid header: " + cause.getMessage());
		}
		else {
			logger.debug("Closing before the PROXY header after I/O error", cause);
			this.done = true;
			cancelTimeout();
			ctx.close();
		}
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		cancelTimeout();
		ctx.fireChannelInactive();
	}

	private void refuse(ChannelHandlerContext ctx, ConnectionRefusal reason, String why) {
		if (this.done) {
			return;
		}
		this.done = true;
		cancelTimeout();
		InetSocketAddress peer = SessionState.inetAddress(ctx.channel().remoteAddress());
		logger.debug("Closing connection from {}: PROXY protocol, {}", peer, why);
		this.limiter.refused(peer, reason);
		ctx.close();
	}

	private void cancelTimeout() {
		ScheduledFuture<?> timeout = this.timeout;
		if (timeout != null) {
			timeout.cancel(false);
			this.timeout = null;
		}
	}

}
