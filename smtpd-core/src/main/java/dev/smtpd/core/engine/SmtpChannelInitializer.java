package dev.smtpd.core.engine;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.TlsMode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;

/**
 * Builds the pipeline of every accepted connection, in the order of
 * {@link PipelineNames}.
 */
final class SmtpChannelInitializer extends ChannelInitializer<Channel> {

	private final ServerContext server;

	private final ConnectionLimiter limiter;

	private final SessionRegistry registry;

	SmtpChannelInitializer(SmtpServerConfig config, List<SmtpHandler> handlers, List<SmtpCommand> commands,
			Executor hookExecutor, @Nullable Authenticator authenticator, List<AuthMechanism> authMechanisms,
			@Nullable Supplier<SslContext> sslContext, List<SmtpServerListener> listeners,
			@Nullable RateLimiter rateLimiter) {
		if (config.tls().mode() != null && sslContext == null) {
			throw new IllegalArgumentException("TLS mode " + config.tls().mode() + " needs an SSL context");
		}
		this.server = new ServerContext(config, handlers, commands, hookExecutor, authenticator, authMechanisms,
				sslContext, listeners, rateLimiter);
		this.limiter = new ConnectionLimiter(config.limits().maxConnections(),
				config.limits().maxConnectionsPerAddress(), config.proxyProtocol().enabled(), config.hostname(),
				this.server.listeners(), this.server.rateGate());
		this.registry = new SessionRegistry(this.server, this.limiter);
	}

	@Override
	protected void initChannel(Channel channel) {
		SmtpServerConfig config = this.server.config();
		SmtpFrameDecoder framer = new SmtpFrameDecoder(
				config.limits().commandSizeLimit() + CommandPolicy.maxAllowance(config),
				config.limits().lineLengthLimit());
		SmtpSessionHandler session = new SmtpSessionHandler(this.server, framer, this.registry);
		ChannelPipeline pipeline = channel.pipeline();
		pipeline.addLast(PipelineNames.LIMITER, this.limiter);
		if (config.proxyProtocol().enabled()) {
			// implicit TLS follows the header: the proxy handler adds it then
			pipeline.addLast(PipelineNames.PROXY_DECODER, new ProxyHeaderDecoder());
			pipeline.addLast(PipelineNames.PROXY, new ProxyProtocolHandler(this.server, this.limiter, session));
		}
		else if (config.tls().mode() == TlsMode.IMPLICIT) {
			pipeline.addLast(PipelineNames.TLS, this.server.newSslHandler(channel.alloc()));
		}
		pipeline.addLast(PipelineNames.FRAMER, framer);
		pipeline.addLast(PipelineNames.ENCODER, ReplyEncoder.INSTANCE);
		pipeline.addLast(PipelineNames.SESSION, session);
	}

	/**
	 * Returns the live sessions, for the server's admin operations.
	 * @return the registry
	 */
	SessionRegistry registry() {
		return this.registry;
	}

	/**
	 * Releases what the engine owns beyond the event loops (the file executor). Call
	 * after the event loops stopped.
	 */
	void close() {
		this.server.close();
	}

}
