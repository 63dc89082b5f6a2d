package dev.smtpd.core.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started server's resources on Netty: the listening channel, the event loops, the
 * default hook executor if none was given, and the live sessions. Public for
 * {@link dev.smtpd.core.SmtpServer}; not an API.
 */
public final class NettyServer {

	private static final Logger logger = LoggerFactory.getLogger(NettyServer.class);

	private final InetSocketAddress address;

	private final Channel channel;

	private final EventLoopGroup group;

	private final int ioThreads;

	private final Transport transport;

	private final SmtpChannelInitializer initializer;

	private final @Nullable ExecutorService ownExecutor;

	private NettyServer(InetSocketAddress address, Channel channel, EventLoopGroup group, int ioThreads,
			Transport transport, SmtpChannelInitializer initializer, @Nullable ExecutorService ownExecutor) {
		this.address = address;
		this.channel = channel;
		this.group = group;
		this.ioThreads = ioThreads;
		this.transport = transport;
		this.initializer = initializer;
		this.ownExecutor = ownExecutor;
	}

	/**
	 * Binds and starts serving.
	 * @param config the settings
	 * @param handlers the handler chain
	 * @param commands the custom commands
	 * @param hookExecutor where hooks run, {@code null} for a bounded pool of our own
	 * @param authenticator the authenticator, {@code null} for no AUTH
	 * @param authMechanisms the SASL mechanisms offered
	 * @param sslContext the TLS context for each connection, {@code null} for no TLS
	 * @param listeners the listeners
	 * @return the running server
	 * @throws UncheckedIOException if the address cannot be bound
	 */
	public static NettyServer start(SmtpServerConfig config, List<SmtpHandler> handlers, List<SmtpCommand> commands,
			@Nullable Executor hookExecutor, @Nullable Authenticator authenticator, List<AuthMechanism> authMechanisms,
			@Nullable Supplier<SslContext> sslContext, List<SmtpServerListener> listeners) {
		ExecutorService ownExecutor = (hookExecutor != null) ? null : defaultHookExecutor();
		Executor executor = (ownExecutor != null) ? ownExecutor : hookExecutor;
		SmtpChannelInitializer initializer = new SmtpChannelInitializer(config, handlers, commands, executor,
				authenticator, authMechanisms, sslContext, listeners);
		int ioThreads = (config.network().ioThreads() > 0) ? config.network().ioThreads() : defaultIoThreads();
		// One group both accepts and serves: a separate accept thread would cost a
		// wake-up
		// and a hand-off per connection, and accepting is cheap next to serving.
		Transport transport = Transport.select(config.network().nativeTransport());
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, threads("smtpd-io"),
				transport.ioHandlerFactory());
		ServerBootstrap bootstrap = new ServerBootstrap().group(group)
			.channel(transport.serverChannel())
			.option(ChannelOption.SO_BACKLOG, 1024)
			.option(ChannelOption.SO_REUSEADDR, true)
			.childOption(ChannelOption.AUTO_READ, false)
			.childOption(ChannelOption.TCP_NODELAY, true)
			.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 * 1024, 32 * 1024))
			.childHandler(initializer);
		InetSocketAddress bindAddress = (config.network().address() != null)
				? new InetSocketAddress(config.network().address(), config.network().port())
				: new InetSocketAddress(config.network().port());
		try {
			Channel channel = bootstrap.bind(bindAddress).syncUninterruptibly().channel();
			return new NettyServer((InetSocketAddress) channel.localAddress(), channel, group, ioThreads, transport,
					initializer, ownExecutor);
		}
		catch (Exception ex) { // Netty rethrows the bind's checked exception unchecked
			group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
			initializer.close();
			if (ownExecutor != null) {
				ownExecutor.shutdownNow();
			}
			throw new UncheckedIOException("Could not bind SMTP server to " + bindAddress,
					(ex instanceof IOException io) ? io : new IOException(ex.getMessage(), ex));
		}
	}

	/**
	 * Half the processors, at least one. An event loop only parses and answers; the other
	 * cores are left to hook threads, the application, the collector and the kernel's
	 * network work. docs/performance.md ("Results before #13", one event loop against
	 * two) has the measurements behind this choice.
	 */
	private static int defaultIoThreads() {
		return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
	}

	private static ExecutorService defaultHookExecutor() {
		int threads = Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
		ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(10_000), threads("smtpd-hook"));
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

	private static ThreadFactory threads(String prefix) {
		AtomicInteger counter = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/**
	 * Returns the bound address.
	 * @return the address
	 */
	public InetSocketAddress address() {
		return this.address;
	}

	/**
	 * Returns the number of event loops.
	 * @return the count
	 */
	public int ioThreads() {
		return this.ioThreads;
	}

	/**
	 * Returns the transport's name: {@code epoll} or {@code nio}.
	 * @return the name
	 */
	public String transport() {
		return this.transport.displayName();
	}

	/**
	 * Returns the live sessions.
	 * @return the registry
	 */
	public SessionRegistry sessions() {
		return this.initializer.registry();
	}

	/**
	 * Stops: closes the listener, lets transactions under way finish within
	 * {@code grace}, closes what is left, then the event loops and executors.
	 * @param grace how long to wait for transactions under way
	 */
	public void stop(Duration grace) {
		this.channel.close().syncUninterruptibly();
		SessionRegistry sessions = sessions();
		try {
			if (!grace.isZero() && !grace.isNegative()) {
				sessions.shutdownSessions();
				if (!sessions.awaitSessions(grace)) {
					logger.warn("Closing SMTP sessions still open after {}", grace);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		sessions.closeSessions();
		this.group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
		this.initializer.close();
		if (this.ownExecutor != null) {
			this.ownExecutor.shutdown();
		}
	}

}
