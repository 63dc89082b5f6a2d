package dev.smtpd.core.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started server's resources on Netty: the listening channels (a TCP port, a Unix
 * domain socket, or both), the event loops, the default hook executor if none was given,
 * and the live sessions. Public for {@link dev.smtpd.core.SmtpServer}; not an API.
 */
public final class NettyServer {

	private static final Logger logger = LoggerFactory.getLogger(NettyServer.class);

	private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(8 * 1024, 32 * 1024);

	/**
	 * One receive-buffer sizing for every connection (by default each channel gets an
	 * allocator of its own, although the per-channel state is in its handle): reads of 2
	 * KiB at first, growing to 256 KiB while a client streams (Netty's default stops at
	 * 64 KiB). A 1 MiB message then takes a quarter of the reads, and pipelined BDAT
	 * chunks arrive several per read, so their replies leave together
	 * (docs/performance.md, "BDAT against DATA, fourth look"). Reads never shrink below 2
	 * KiB (Netty's default floor is 64 bytes): after a run of short commands the guess
	 * shrank so far that a small message's content took two reads (docs/performance.md,
	 * "Reads of at least 2 KiB"). A read's buffer is given back once decoded; a partial
	 * line keeps it until the line ends, as a session's first read (2 KiB) always could.
	 * 16 reads per read event, as Netty sets for its socket channels.
	 */
	static final MaxMessagesRecvByteBufAllocator RECEIVE_ALLOCATOR = new AdaptiveRecvByteBufAllocator(2048, 2048,
			256 * 1024)
		.maxMessagesPerRead(16);

	private final @Nullable InetSocketAddress address;

	private final @Nullable Path unixSocketPath;

	private final List<Channel> channels;

	private final EventLoopGroup group;

	private final int ioThreads;

	private final Transport transport;

	private final SmtpChannelInitializer initializer;

	private final @Nullable ExecutorService ownExecutor;

	private NettyServer(@Nullable InetSocketAddress address, @Nullable Path unixSocketPath, List<Channel> channels,
			EventLoopGroup group, int ioThreads, Transport transport, SmtpChannelInitializer initializer,
			@Nullable ExecutorService ownExecutor) {
		this.address = address;
		this.unixSocketPath = unixSocketPath;
		this.channels = List.copyOf(channels);
		this.group = group;
		this.ioThreads = ioThreads;
		this.transport = transport;
		this.initializer = initializer;
		this.ownExecutor = ownExecutor;
	}

	/**
	 * Binds and starts serving: the TCP port, the Unix domain socket, or both, on the
	 * same event loops and with the same pipeline.
	 * @param config the settings
	 * @param handlers the handler chain
	 * @param commands the custom commands
	 * @param hookExecutor where hooks run, {@code null} for a bounded pool of our own
	 * @param authenticator the authenticator, {@code null} for no AUTH
	 * @param authMechanisms the SASL mechanisms offered
	 * @param sslContext the TLS context for each connection, {@code null} for no TLS
	 * @param listeners the listeners
	 * @param rateLimiter the rate limiter, {@code null} for none
	 * @return the running server
	 * @throws UncheckedIOException if the address cannot be bound
	 * @throws InvalidSettingException if the Unix domain socket cannot be created (key
	 * {@code unix-socket.path} or {@code unix-socket.mode})
	 */
	public static NettyServer start(SmtpServerConfig config, List<SmtpHandler> handlers, List<SmtpCommand> commands,
			@Nullable Executor hookExecutor, @Nullable Authenticator authenticator, List<AuthMechanism> authMechanisms,
			@Nullable Supplier<SslContext> sslContext, List<SmtpServerListener> listeners,
			@Nullable RateLimiter rateLimiter) {
		ExecutorService ownExecutor = (hookExecutor != null) ? null : defaultHookExecutor(config.hooks());
		Executor executor = (ownExecutor != null) ? ownExecutor : hookExecutor;
		SmtpChannelInitializer initializer;
		try {
			initializer = new SmtpChannelInitializer(config, handlers, commands, executor, authenticator,
					authMechanisms, sslContext, listeners, rateLimiter);
		}
		catch (RuntimeException ex) {
			if (ownExecutor != null) {
				ownExecutor.shutdownNow();
			}
			throw ex;
		}
		int ioThreads = (config.network().ioThreads() > 0) ? config.network().ioThreads() : defaultIoThreads();
		// One group both accepts and serves: a separate accept thread would cost a
		// wake-up and a hand-off per connection, and accepting is cheap next to serving.
		Transport transport = Transport.select(config.network().nativeTransport());
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, threads("smtpd-io"),
				transport.ioHandlerFactory());
		List<Channel> channels = new ArrayList<>(2);
		try {
			InetSocketAddress address = null;
			if (config.network().hasTcpListener()) {
				Channel tcp = bindTcp(config.network(), group, transport, initializer);
				channels.add(tcp);
				address = (InetSocketAddress) tcp.localAddress();
			}
			SmtpServerConfig.UnixSocket unixSocket = config.network().unixSocket();
			if (unixSocket != null) {
				channels.add(bindUnix(unixSocket, config.network().backlog(), group, transport, initializer));
			}
			return new NettyServer(address, (unixSocket != null) ? unixSocket.path() : null, channels, group, ioThreads,
					transport, initializer, ownExecutor);
		}
		catch (RuntimeException ex) {
			channels.forEach((channel) -> channel.close().syncUninterruptibly());
			group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
			initializer.close();
			if (ownExecutor != null) {
				ownExecutor.shutdownNow();
			}
			throw ex;
		}
	}

	private static Channel bindTcp(SmtpServerConfig.Network network, EventLoopGroup group, Transport transport,
			SmtpChannelInitializer initializer) {
		ServerBootstrap bootstrap = new ServerBootstrap().group(group)
			.channel(transport.serverChannel())
			.option(ChannelOption.SO_BACKLOG, network.backlog())
			.option(ChannelOption.SO_REUSEADDR, true)
			.childOption(ChannelOption.AUTO_READ, false)
			.childOption(ChannelOption.TCP_NODELAY, true)
			// a client may half-close after its last pipelined commands: they are still
			// answered (SmtpFrameDecoder)
			.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
			.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
			.childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_ALLOCATOR)
			.childHandler(initializer);
		InetSocketAddress bindAddress = (network.address() != null)
				? new InetSocketAddress(network.address(), network.port()) : new InetSocketAddress(network.port());
		try {
			return bootstrap.bind(bindAddress).syncUninterruptibly().channel();
		}
		catch (Exception ex) { // Netty rethrows the bind's checked exception unchecked
			throw new UncheckedIOException("Could not bind SMTP server to " + bindAddress,
					(ex instanceof IOException io) ? io : new IOException(ex.getMessage(), ex));
		}
	}

	/**
	 * Binds the Unix domain socket: a stale file is replaced first, the mode set after.
	 * No TCP options: a domain socket channel would log each one as unknown.
	 */
	private static Channel bindUnix(SmtpServerConfig.UnixSocket unixSocket, int backlog, EventLoopGroup group,
			Transport transport, SmtpChannelInitializer initializer) {
		Path path = unixSocket.path();
		UnixSocketFile.prepare(path);
		ServerBootstrap bootstrap = new ServerBootstrap().group(group)
			.channel(transport.serverDomainSocketChannel())
			.option(ChannelOption.SO_BACKLOG, backlog)
			.childOption(ChannelOption.AUTO_READ, false)
			.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
			.childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_ALLOCATOR)
			.childHandler(initializer);
		Channel channel;
		try {
			channel = bootstrap.bind(transport.domainSocketAddress(path)).syncUninterruptibly().channel();
		}
		catch (Exception ex) { // Netty rethrows the bind's checked exception unchecked
			throw new InvalidSettingException(UnixSocketFile.PATH_KEY, path, "Cannot listen on it: " + ex);
		}
		if (unixSocket.mode() != null) {
			try {
				UnixSocketFile.setMode(path, unixSocket.mode());
			}
			catch (InvalidSettingException ex) {
				channel.close().syncUninterruptibly();
				throw ex;
			}
		}
		return channel;
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

	/**
	 * The server's own hook pool: a fixed number of threads and a bounded queue; beyond
	 * both, a hook is refused ({@code 451 4.3.2}).
	 */
	private static ExecutorService defaultHookExecutor(SmtpServerConfig.Hooks hooks) {
		int threads = (hooks.threads() > 0) ? hooks.threads()
				: Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
		BlockingQueue<Runnable> queue = (hooks.queueSize() > 0) ? new LinkedBlockingQueue<>(hooks.queueSize())
				: new SynchronousQueue<>();
		ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, queue,
				threads("smtpd-hook"));
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
	 * Returns the bound TCP address.
	 * @return the address, {@code null} without a TCP listener
	 */
	public @Nullable InetSocketAddress address() {
		return this.address;
	}

	/**
	 * Returns the Unix domain socket's path.
	 * @return the socket file, {@code null} without one
	 */
	public @Nullable Path unixSocketPath() {
		return this.unixSocketPath;
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
	 * Stops: closes the listeners (and removes the Unix domain socket's file), lets
	 * transactions under way finish within {@code grace}, closes what is left, then the
	 * event loops and executors.
	 * @param grace how long to wait for transactions under way
	 */
	public void stop(Duration grace) {
		this.channels.forEach((channel) -> channel.close().syncUninterruptibly());
		if (this.unixSocketPath != null) {
			UnixSocketFile.delete(this.unixSocketPath);
		}
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
