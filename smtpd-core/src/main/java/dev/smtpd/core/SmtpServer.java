package dev.smtpd.core;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginMechanism;
import dev.smtpd.core.auth.PlainMechanism;
import dev.smtpd.core.engine.NettyServer;
import dev.smtpd.core.event.ServerStatistics;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.ratelimit.InMemoryRateLimiter;
import dev.smtpd.core.ratelimit.RateLimits;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMTP or LMTP server. Build one with {@link #builder()}, then {@link #start()} and
 * {@link #stop()} it.
 *
 * <pre>{@code
 * SmtpServer server = SmtpServer.builder()
 *     .port(0)
 *     .handler(new SmtpHandler() {
 *         public Reply data(Session session, Envelope envelope, MessageContent content) {
 *             store(envelope);
 *             return null; // 250 2.0.0 OK
 *         }
 *     })
 *     .build();
 * server.start();
 * int port = server.port();
 * }</pre>
 */
public final class SmtpServer {

	private static final Logger logger = LoggerFactory.getLogger(SmtpServer.class);

	private final SmtpServerConfig config;

	private final List<SmtpHandler> handlers;

	private final List<SmtpCommand> commands;

	private final @Nullable Executor hookExecutor;

	private final @Nullable Authenticator authenticator;

	private final List<AuthMechanism> authMechanisms;

	private final @Nullable Supplier<SslContext> sslContext;

	private final List<SmtpServerListener> listeners;

	private final @Nullable RateLimiter rateLimiter;

	private volatile @Nullable NettyServer running;

	/**
	 * The server while a graceful stop waits for its transactions: no longer accepting,
	 * but its sessions can still be listed and closed.
	 */
	private volatile @Nullable NettyServer stopping;

	private SmtpServer(Builder builder) {
		this.config = builder.config();
		this.handlers = List.copyOf(builder.handlers);
		this.commands = List.copyOf(builder.commands);
		this.hookExecutor = builder.hookExecutor;
		this.authenticator = builder.authenticator;
		for (String excluded : builder.excludedAuthMechanisms) {
			// a misspelt name would leave the mechanism offered, in silence
			if (builder.authMechanisms.stream().noneMatch((mechanism) -> mechanism.name().equalsIgnoreCase(excluded))) {
				throw new InvalidSettingException("auth.exclude-mechanisms", excluded, "No such mechanism; there are "
						+ builder.authMechanisms.stream().map(AuthMechanism::name).collect(Collectors.joining(", ")));
			}
		}
		this.authMechanisms = builder.authMechanisms.stream()
			.filter((mechanism) -> !builder.excludedAuthMechanisms.contains(mechanism.name().toUpperCase(Locale.ROOT)))
			.toList();
		this.sslContext = builder.sslContext;
		this.listeners = List.copyOf(builder.listeners);
		this.rateLimiter = builder.rateLimiter;
		if (this.config.auth().required() && this.authenticator == null) {
			throw new IllegalStateException("authRequired needs an authenticator");
		}
	}

	/**
	 * Returns this machine's host name as the default for the greeting: the canonical
	 * name of the local host, or {@code localhost} when it cannot be found or is not
	 * printable ASCII.
	 * @return the host name
	 */
	public static String localHostname() {
		try {
			String name = InetAddress.getLocalHost().getCanonicalHostName();
			return (name.isBlank() || name.chars().anyMatch((c) -> c <= ' ' || c > '~')) ? "localhost" : name;
		}
		catch (UnknownHostException ex) {
			return "localhost";
		}
	}

	/**
	 * Returns a new builder with the defaults.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Returns the settings.
	 * @return the configuration
	 */
	public SmtpServerConfig config() {
		return this.config;
	}

	/**
	 * Returns the handler chain, in order.
	 * @return the handlers
	 */
	public List<SmtpHandler> handlers() {
		return this.handlers;
	}

	/**
	 * Returns the custom commands.
	 * @return the commands
	 */
	public List<SmtpCommand> commands() {
		return this.commands;
	}

	/**
	 * Returns the rate limiter.
	 * @return the limiter, {@code null} when the server limits no rate
	 */
	public @Nullable RateLimiter rateLimiter() {
		return this.rateLimiter;
	}

	/**
	 * Binds the listeners (the TCP port, the Unix domain socket, or both) and starts
	 * accepting connections.
	 * @throws java.io.UncheckedIOException if the address cannot be bound
	 * @throws InvalidSettingException if the Unix domain socket cannot be created at its
	 * path (key {@code unix-socket.path}): another file is there, another process listens
	 * on it, or the bind fails
	 * @throws IllegalStateException if the server is already running
	 */
	public synchronized void start() {
		if (this.running != null) {
			throw new IllegalStateException("Server is already running");
		}
		this.running = NettyServer.start(this.config, this.handlers, this.commands, this.hookExecutor,
				this.authenticator, this.authMechanisms, this.sslContext, this.listeners, this.rateLimiter);
		if (logger.isInfoEnabled()) {
			int loops = this.running.ioThreads();
			TlsMode tls = this.config.tls().mode();
			// simple class names; an anonymous class as Outer$1
			String handlerNames = this.handlers.isEmpty() ? "none"
					: String.join(", ", this.handlers.stream()
						.map(Object::getClass)
						.map((type) -> type.getSimpleName().isEmpty()
								? type.getName().substring(type.getName().lastIndexOf('.') + 1) : type.getSimpleName())
						.toList());
			logger.info("SMTP server listening on {} ({}{}, {}, {} event loop{}; handlers: {})",
					listeners(this.running), this.config.protocol().name().toLowerCase(Locale.ROOT),
					(tls != null) ? ", " + tls.name().toLowerCase(Locale.ROOT) : "", this.running.transport(), loops,
					(loops == 1) ? "" : "s", handlerNames);
		}
	}

	/**
	 * Describes where a server listens: {@code 127.0.0.1:2525}, {@code [::]:25},
	 * {@code unix:/run/smtpd.sock}, or a TCP address and a socket joined by {@code and}.
	 */
	private static String listeners(NettyServer running) {
		List<String> listeners = new ArrayList<>(2);
		InetSocketAddress bound = running.address();
		if (bound != null) {
			InetAddress ip = bound.getAddress();
			String host = (ip instanceof Inet6Address && ip.isAnyLocalAddress()) ? "::" : ip.getHostAddress();
			listeners.add(((ip instanceof Inet6Address) ? "[" + host + "]" : host) + ":" + bound.getPort());
		}
		Path socket = running.unixSocketPath();
		if (socket != null) {
			listeners.add("unix:" + socket);
		}
		return String.join(" and ", listeners);
	}

	/**
	 * Returns how many event loop threads the running server has: the configured
	 * {@link Builder#ioThreads(int) ioThreads}, or by default half the available
	 * processors, at least one.
	 * @return the number of event loops
	 * @throws IllegalStateException if the server is not running
	 */
	public int ioThreads() {
		return running().ioThreads();
	}

	/**
	 * Returns the Netty transport the running server uses: {@code epoll} or {@code nio}.
	 * @return the transport's name
	 * @throws IllegalStateException if the server is not running
	 */
	public String transport() {
		return running().transport();
	}

	/**
	 * Returns the bound port, useful with port {@code 0}.
	 * @return the port, {@code -1} when the server listens only on a Unix domain socket
	 * @throws IllegalStateException if the server is not running
	 */
	public int port() {
		InetSocketAddress address = running().address();
		return (address != null) ? address.getPort() : -1;
	}

	/**
	 * Returns the bound TCP address.
	 * @return the address, {@code null} when the server listens only on a Unix domain
	 * socket
	 * @throws IllegalStateException if the server is not running
	 */
	public @Nullable InetSocketAddress address() {
		return running().address();
	}

	/**
	 * Returns the path of the Unix domain socket the server listens on.
	 * @return the socket file, {@code null} when the server has none
	 * @throws IllegalStateException if the server is not running
	 */
	public @Nullable Path unixSocketPath() {
		return running().unixSocketPath();
	}

	/**
	 * Returns whether the server is accepting connections.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		return this.running != null;
	}

	/**
	 * Returns the number of open connections, also while a graceful stop waits for them.
	 * @return the count, {@code 0} when stopped
	 */
	public int activeConnections() {
		NettyServer running = withSessions();
		return (running != null) ? running.sessions().activeConnections() : 0;
	}

	/**
	 * Returns a snapshot of every open session, also while a graceful stop waits for
	 * them.
	 * @return the sessions, empty when stopped
	 */
	public List<SessionSnapshot> sessions() {
		NettyServer running = withSessions();
		return (running != null) ? running.sessions().sessions() : List.of();
	}

	/**
	 * Returns a snapshot of one open session.
	 * @param id the session id
	 * @return the session, if open
	 */
	public Optional<SessionSnapshot> session(String id) {
		NettyServer running = withSessions();
		return Optional.ofNullable((running != null) ? running.sessions().session(id) : null);
	}

	/**
	 * Answers a session {@code 421 4.3.2} and closes it; also one that holds up a
	 * graceful stop.
	 * @param id the session id
	 * @return whether such a session was open
	 */
	public boolean closeSession(String id) {
		NettyServer running = withSessions();
		return running != null && running.sessions().closeSession(id);
	}

	/**
	 * Returns the totals since the server started.
	 * @return the statistics
	 * @throws IllegalStateException if the server is not running
	 */
	public ServerStatistics statistics() {
		return running().sessions().statistics();
	}

	/**
	 * Stops at once: closes the listener and every session.
	 */
	public void stop() {
		stop(Duration.ZERO);
	}

	/**
	 * Stops gracefully: closes the listener, answers idle sessions {@code 421}, lets
	 * transactions under way finish within {@code grace}, then closes what is left.
	 * @param grace how long to wait for transactions under way
	 */
	public synchronized void stop(Duration grace) {
		NettyServer running = this.running;
		if (running == null) {
			return;
		}
		this.stopping = running;
		this.running = null;
		try {
			running.stop(grace);
		}
		finally {
			this.stopping = null;
		}
		logger.info("SMTP server on {} stopped", listeners(running));
	}

	private @Nullable NettyServer withSessions() {
		NettyServer running = this.running;
		return (running != null) ? running : this.stopping;
	}

	private NettyServer running() {
		NettyServer running = this.running;
		if (running == null) {
			throw new IllegalStateException("Server is not running");
		}
		return running;
	}

	/**
	 * Builds an {@link SmtpServer}. Every setting has a default; see
	 * {@link SmtpServerConfig}. Settings are set one by one or as a group, such as
	 * {@link #limits(SmtpServerConfig.Limits)}; a value the server cannot use throws an
	 * {@link InvalidSettingException} at once, and values that depend on each other are
	 * checked by {@link #build()}.
	 */
	public static final class Builder {

		private SmtpServerConfig.Network network = SmtpServerConfig.Network.defaults();

		private Protocol protocol = Protocol.SMTP;

		private @Nullable String hostname;

		private String ident = defaultIdent();

		private SmtpServerConfig.Timeouts timeouts = SmtpServerConfig.Timeouts.defaults();

		private SmtpServerConfig.Limits limits = SmtpServerConfig.Limits.defaults();

		private SmtpServerConfig.Content content = SmtpServerConfig.Content.defaults();

		private SmtpServerConfig.Extensions extensions = SmtpServerConfig.Extensions.defaults();

		private SmtpServerConfig.Auth auth = SmtpServerConfig.Auth.defaults();

		private SmtpServerConfig.Tls tls = SmtpServerConfig.Tls.defaults();

		private SmtpServerConfig.ProxyProtocol proxyProtocol = SmtpServerConfig.ProxyProtocol.defaults();

		private SmtpServerConfig.Hooks hooks = SmtpServerConfig.Hooks.defaults();

		private final List<SmtpHandler> handlers = new ArrayList<>();

		private final List<SmtpCommand> commands = new ArrayList<>();

		private @Nullable Executor hookExecutor;

		private @Nullable Authenticator authenticator;

		private final List<AuthMechanism> authMechanisms = new ArrayList<>(
				List.of(new PlainMechanism(), new LoginMechanism()));

		private final Set<String> excludedAuthMechanisms = new HashSet<>();

		private @Nullable Supplier<SslContext> sslContext;

		private final List<SmtpServerListener> listeners = new ArrayList<>();

		private @Nullable RateLimiter rateLimiter;

		private Builder() {
		}

		/**
		 * Sets where and on how many event loops the server listens.
		 * @param network the network settings
		 * @return this builder
		 */
		public Builder network(SmtpServerConfig.Network network) {
			this.network = network;
			return this;
		}

		/**
		 * Sets how long the server waits for a client.
		 * @param timeouts the timeouts
		 * @return this builder
		 */
		public Builder timeouts(SmtpServerConfig.Timeouts timeouts) {
			this.timeouts = timeouts;
			return this;
		}

		/**
		 * Sets the sizes and counts beyond which commands, messages or connections are
		 * refused.
		 * @param limits the limits
		 * @return this builder
		 */
		public Builder limits(SmtpServerConfig.Limits limits) {
			this.limits = limits;
			return this;
		}

		/**
		 * Sets how message content is held and handed to handlers.
		 * @param content the content settings
		 * @return this builder
		 */
		public Builder content(SmtpServerConfig.Content content) {
			this.content = content;
			return this;
		}

		/**
		 * Sets which optional SMTP extensions are offered.
		 * @param extensions the extensions
		 * @return this builder
		 */
		public Builder extensions(SmtpServerConfig.Extensions extensions) {
			this.extensions = extensions;
			return this;
		}

		/**
		 * Sets the AUTH settings; the authenticator and mechanisms are set apart.
		 * @param auth the AUTH settings
		 * @return this builder
		 */
		public Builder auth(SmtpServerConfig.Auth auth) {
			this.auth = auth;
			return this;
		}

		/**
		 * Sets the PROXY protocol settings: whether a header is expected before the
		 * greeting, how long to wait for it, and from which networks.
		 * @param proxyProtocol the PROXY protocol settings
		 * @return this builder
		 */
		public Builder proxyProtocol(SmtpServerConfig.ProxyProtocol proxyProtocol) {
			this.proxyProtocol = proxyProtocol;
			return this;
		}

		public Builder address(@Nullable InetAddress address) {
			this.network = this.network.withAddress(address);
			return this;
		}

		/**
		 * Sets the TCP port: {@code 0} picks a free one, {@code -1} turns the TCP
		 * listener off, for a server that listens only on its {@link #unixSocket Unix
		 * domain socket}.
		 * @param port the port
		 * @return this builder
		 */
		public Builder port(int port) {
			this.network = this.network.withPort(port);
			return this;
		}

		/**
		 * Sets a Unix domain socket to listen on as well as the TCP port, or instead of
		 * it with {@link #port(int) port(-1)}.
		 * @param unixSocket the socket, {@code null} for none
		 * @return this builder
		 */
		public Builder unixSocket(SmtpServerConfig.@Nullable UnixSocket unixSocket) {
			this.network = this.network.withUnixSocket(unixSocket);
			return this;
		}

		/**
		 * Sets the path of a Unix domain socket to listen on, its permissions left to the
		 * umask; see {@link #unixSocket(SmtpServerConfig.UnixSocket)}.
		 * @param path the socket file, {@code null} for none
		 * @return this builder
		 */
		public Builder unixSocketPath(@Nullable Path path) {
			return unixSocket((path != null) ? SmtpServerConfig.UnixSocket.of(path) : null);
		}

		public Builder protocol(Protocol protocol) {
			this.protocol = protocol;
			return this;
		}

		public Builder hostname(String hostname) {
			this.hostname = hostname;
			return this;
		}

		public Builder ident(String ident) {
			this.ident = ident;
			return this;
		}

		/**
		 * Sets how long hooks may run and the size of the server's hook pool.
		 * @param hooks the hook settings
		 * @return this builder
		 */
		public Builder hooks(SmtpServerConfig.Hooks hooks) {
			this.hooks = hooks;
			return this;
		}

		/**
		 * Sets the longest a hook may run before its command is answered
		 * {@code 451 4.3.0}.
		 * @param timeout the timeout
		 * @return this builder
		 */
		public Builder hookTimeout(Duration timeout) {
			this.hooks = this.hooks.withTimeout(timeout);
			return this;
		}

		/**
		 * Sets the lowest average rate of a DATA phase or a BDAT transaction once the
		 * idle timeout has passed.
		 * @param octetsPerSecond the rate, {@code 0} for none
		 * @return this builder
		 */
		public Builder dataMinRate(long octetsPerSecond) {
			this.timeouts = this.timeouts.withDataMinRate(octetsPerSecond);
			return this;
		}

		/**
		 * Sets the listen backlog.
		 * @param backlog the connections the kernel may queue before they are accepted
		 * @return this builder
		 */
		public Builder backlog(int backlog) {
			this.network = this.network.withBacklog(backlog);
			return this;
		}

		public Builder timeout(Duration timeout) {
			this.timeouts = this.timeouts.withTimeout(timeout);
			return this;
		}

		public Builder dataTimeout(Duration dataTimeout) {
			this.timeouts = this.timeouts.withDataTimeout(dataTimeout);
			return this;
		}

		public Builder dataSizeLimit(long bytes) {
			this.limits = this.limits.withDataSizeLimit(bytes);
			return this;
		}

		public Builder commandSizeLimit(int octets) {
			this.limits = this.limits.withCommandSizeLimit(octets);
			return this;
		}

		public Builder lineLengthLimit(int octets) {
			this.limits = this.limits.withLineLengthLimit(octets);
			return this;
		}

		public Builder localPartLimit(int octets) {
			this.limits = this.limits.withLocalPartLimit(octets);
			return this;
		}

		public Builder maxRecipients(int maxRecipients) {
			this.limits = this.limits.withMaxRecipients(maxRecipients);
			return this;
		}

		public Builder smtputf8(boolean smtputf8) {
			this.extensions = this.extensions.withSmtputf8(smtputf8);
			return this;
		}

		/**
		 * Sets whether CHUNKING is advertised and BDAT accepted (RFC 3030). On by
		 * default.
		 * @param chunking whether to offer CHUNKING
		 * @return this builder
		 */
		public Builder chunking(boolean chunking) {
			this.extensions = this.extensions.withChunking(chunking);
			return this;
		}

		/**
		 * Sets whether to advertise DSN and accept its parameters (RFC 3461), on by
		 * default.
		 * @param dsn whether DSN is offered
		 * @return this builder
		 */
		public Builder dsn(boolean dsn) {
			this.extensions = this.extensions.withDsn(dsn);
			return this;
		}

		/**
		 * Sets whether BINARYMIME is advertised and {@code BODY=BINARYMIME} accepted (RFC
		 * 3030); such a message must come with BDAT. Off by default; needs CHUNKING.
		 * @param binarymime whether to offer BINARYMIME
		 * @return this builder
		 */
		public Builder binarymime(boolean binarymime) {
			this.extensions = this.extensions.withBinarymime(binarymime);
			return this;
		}

		public Builder decodeData(boolean decodeData) {
			this.content = this.content.withDecodeData(decodeData);
			return this;
		}

		/**
		 * Sets how often each command may be used per session; {@code 0} is no limit.
		 * @param calls the calls allowed
		 * @return this builder
		 */
		public Builder commandCallLimit(int calls) {
			this.limits = this.limits.withCommandCallLimit(calls);
			return this;
		}

		/**
		 * Sets how often one command may be used per session, overriding
		 * {@link #commandCallLimit(int)}.
		 * @param verb the verb, such as {@code NOOP}
		 * @param calls the calls allowed
		 * @return this builder
		 */
		public Builder commandCallLimit(String verb, int calls) {
			this.limits = this.limits.withCommandCallLimit(verb, calls);
			return this;
		}

		public Builder maxUnrecognizedCommands(int count) {
			this.limits = this.limits.withMaxUnrecognizedCommands(count);
			return this;
		}

		public Builder maxConnections(int maxConnections) {
			this.limits = this.limits.withMaxConnections(maxConnections);
			return this;
		}

		public Builder maxConnectionsPerAddress(int maxConnections) {
			this.limits = this.limits.withMaxConnectionsPerAddress(maxConnections);
			return this;
		}

		public Builder memoryThreshold(long bytes) {
			this.content = this.content.withMemoryThreshold(bytes);
			return this;
		}

		public Builder tempDirectory(@Nullable Path tempDirectory) {
			this.content = this.content.withTempDirectory(tempDirectory);
			return this;
		}

		/**
		 * Adds a handler at the end of the chain.
		 * @param handler the handler
		 * @return this builder
		 */
		public Builder handler(SmtpHandler handler) {
			this.handlers.add(handler);
			return this;
		}

		/**
		 * Adds handlers at the end of the chain, in order.
		 * @param handlers the handlers
		 * @return this builder
		 */
		public Builder handlers(List<? extends SmtpHandler> handlers) {
			this.handlers.addAll(handlers);
			return this;
		}

		public Builder command(SmtpCommand command) {
			this.commands.add(command);
			return this;
		}

		/**
		 * Sets the executor that runs hooks; by default the server makes a bounded pool
		 * of its own and shuts it down on stop. An executor set here is not shut down by
		 * the server.
		 * @param executor the executor
		 * @return this builder
		 */
		public Builder hookExecutor(@Nullable Executor executor) {
			this.hookExecutor = executor;
			return this;
		}

		/**
		 * Sets the authenticator; without one, AUTH is not offered.
		 * @param authenticator the authenticator
		 * @return this builder
		 */
		public Builder authenticator(@Nullable Authenticator authenticator) {
			this.authenticator = authenticator;
			return this;
		}

		/**
		 * Adds a SASL mechanism, replacing a built-in one of the same name.
		 * @param mechanism the mechanism
		 * @return this builder
		 */
		public Builder authMechanism(AuthMechanism mechanism) {
			this.authMechanisms.removeIf((existing) -> existing.name().equalsIgnoreCase(mechanism.name()));
			this.authMechanisms.add(mechanism);
			return this;
		}

		/**
		 * Excludes mechanisms by name, such as {@code LOGIN}; {@link #build()} throws an
		 * {@link InvalidSettingException} for a name no mechanism has.
		 * @param names the names
		 * @return this builder
		 */
		public Builder excludeAuthMechanisms(Collection<String> names) {
			names.forEach((name) -> this.excludedAuthMechanisms.add(name.toUpperCase(Locale.ROOT)));
			return this;
		}

		/**
		 * Sets whether mail commands need AUTH first ({@code 530 5.7.0} until then).
		 * @param required whether AUTH is required
		 * @return this builder
		 */
		public Builder authRequired(boolean required) {
			this.auth = this.auth.withRequired(required);
			return this;
		}

		/**
		 * Sets whether AUTH is offered only over TLS (the default).
		 * @param requireTls whether TLS is required for AUTH
		 * @return this builder
		 */
		public Builder authRequireTls(boolean requireTls) {
			this.auth = this.auth.withRequireTls(requireTls);
			return this;
		}

		/**
		 * Sets how many failed AUTH attempts one client address may make before it is
		 * answered {@code 421} and closed; {@code 0} is no limit.
		 * @param failures the failures allowed
		 * @return this builder
		 */
		public Builder authMaxFailures(int failures) {
			this.auth = this.auth.withMaxFailures(failures);
			return this;
		}

		/**
		 * Sets the delay before answering a failed AUTH; it doubles with each further
		 * failure from the same address.
		 * @param delay the first delay
		 * @return this builder
		 */
		public Builder authFailureDelay(Duration delay) {
			this.auth = this.auth.withFailureDelay(delay);
			return this;
		}

		/**
		 * Limits how fast one client may connect, send mail, name recipients and try AUTH
		 * with the built-in, in-memory limiter; see {@link InMemoryRateLimiter}. Limits
		 * with nothing on set no limiter.
		 * @param limits the limits
		 * @return this builder
		 */
		public Builder rateLimits(RateLimits limits) {
			return rateLimiter(limits.isEnabled() ? new InMemoryRateLimiter(limits) : null);
		}

		/**
		 * Sets the rate limiter, replacing the one {@link #rateLimits(RateLimits)} made.
		 * @param rateLimiter the limiter, {@code null} for none
		 * @return this builder
		 */
		public Builder rateLimiter(@Nullable RateLimiter rateLimiter) {
			this.rateLimiter = rateLimiter;
			return this;
		}

		/**
		 * Offers TLS. The supplier is asked for a context for every new connection, so a
		 * supplier that returns a renewed context rotates certificates without a restart.
		 * @param mode STARTTLS or implicit TLS
		 * @param sslContext the server context (Netty's, built for server use)
		 * @return this builder
		 */
		public Builder tls(TlsMode mode, Supplier<SslContext> sslContext) {
			this.tls = this.tls.withMode(mode);
			this.sslContext = sslContext;
			return this;
		}

		/**
		 * Adds a listener for metrics, tracing or audit; it runs on the event loops and
		 * must not block.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(SmtpServerListener listener) {
			this.listeners.add(listener);
			return this;
		}

		/**
		 * Sets the number of event loop threads; {@code 0} (the default) is half the
		 * available processors, at least one. Each thread serves many connections and
		 * only parses and answers, leaving the other cores to hooks, the application and
		 * the kernel. More threads help large messages on a machine the server has to
		 * itself, and may help many TLS handshakes, which run on the event loops.
		 * @param threads the thread count
		 * @return this builder
		 */
		public Builder ioThreads(int threads) {
			this.network = this.network.withIoThreads(threads);
			return this;
		}

		/**
		 * Whether Netty's native epoll transport is used when it can be: on Linux, with
		 * {@code io.netty:netty-transport-native-epoll} (classifier {@code linux-x86_64}
		 * or {@code linux-aarch_64}) on the class path. It makes fewer system calls and
		 * less garbage per connection than NIO. Default {@code true}; without the library
		 * NIO is used either way.
		 * @param nativeTransport {@code false} to always use NIO
		 * @return this builder
		 */
		public Builder nativeTransport(boolean nativeTransport) {
			this.network = this.network.withNativeTransport(nativeTransport);
			return this;
		}

		/**
		 * Turns TLS off.
		 * @return this builder
		 */
		public Builder noTls() {
			this.tls = this.tls.withMode(null).withRequireStarttls(false);
			this.sslContext = null;
			return this;
		}

		/**
		 * Sets whether clients must STARTTLS before anything but EHLO, LHLO, STARTTLS,
		 * NOOP and QUIT (RFC 3207 §4; {@code 530 5.7.0} otherwise).
		 * @param required whether STARTTLS is required
		 * @return this builder
		 */
		public Builder requireStarttls(boolean required) {
			this.tls = this.tls.withRequireStarttls(required);
			return this;
		}

		/**
		 * Sets the longest a TLS handshake may take before the connection is closed.
		 * @param timeout the timeout
		 * @return this builder
		 */
		public Builder tlsHandshakeTimeout(Duration timeout) {
			this.tls = this.tls.withHandshakeTimeout(timeout);
			return this;
		}

		public SmtpServer build() {
			return new SmtpServer(this);
		}

		/**
		 * Returns the settings made so far, checking the values that depend on each other
		 * as {@link #build()} does.
		 * @return the settings
		 * @throws InvalidSettingException if a value does not fit the others
		 */
		public SmtpServerConfig config() {
			String name = (this.hostname != null) ? this.hostname : SmtpServer.localHostname();
			return new SmtpServerConfig(this.network, this.protocol, name, this.ident, this.timeouts, this.limits,
					this.content, this.extensions, this.auth, this.tls, this.proxyProtocol, this.hooks);
		}

		private static String defaultIdent() {
			String version = SmtpServer.class.getPackage().getImplementationVersion();
			return "smtpd-spring-boot" + ((version != null) ? " " + version : "");
		}

	}

}
