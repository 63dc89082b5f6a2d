package dev.smtpd.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * An SMTP or LMTP server. Build one with {@link #builder()}, then {@link #start()} and
 * {@link #stop()} it.
 *
 * <pre>{@code
 * SmtpServer server = SmtpServer.builder()
 *     .port(0)
 *     .handler(new SmtpHandler() {
 *         public Reply data(Session session, Envelope envelope) {
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

	private final SmtpServerConfig config;

	private final List<SmtpHandler> handlers;

	private final List<SmtpCommand> commands;

	private final @Nullable Executor hookExecutor;

	private SmtpServer(Builder builder) {
		this.config = builder.toConfig();
		this.handlers = List.copyOf(builder.handlers);
		this.commands = List.copyOf(builder.commands);
		this.hookExecutor = builder.hookExecutor;
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
	 * Binds the listener and starts accepting connections.
	 * @throws java.io.UncheckedIOException if the address cannot be bound
	 * @throws IllegalStateException if the server is already running
	 */
	public synchronized void start() {
		throw new UnsupportedOperationException("Not yet implemented");
	}

	/**
	 * Returns the bound port, useful with port {@code 0}.
	 * @return the port
	 * @throws IllegalStateException if the server is not running
	 */
	public int port() {
		throw new IllegalStateException("Server is not running");
	}

	/**
	 * Returns whether the server is accepting connections.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		return false;
	}

	/**
	 * Stops at once: closes the listener and every session.
	 */
	public void stop() {
		stop(Duration.ZERO);
	}

	/**
	 * Stops gracefully: closes the listener, answers idle sessions {@code 421}, lets transactions
	 * under way finish within {@code grace}, then closes what is left.
	 * @param grace how long to wait for transactions under way
	 */
	public synchronized void stop(Duration grace) {
	}

	/**
	 * Builds an {@link SmtpServer}. Every setting has a default; see {@link SmtpServerConfig}.
	 */
	public static final class Builder {

		private @Nullable InetAddress address;

		private int port = 8025;

		private Protocol protocol = Protocol.SMTP;

		private @Nullable String hostname;

		private String ident = defaultIdent();

		private Duration timeout = Duration.ofMinutes(5);

		private Duration dataTimeout = Duration.ofMinutes(10);

		private long dataSizeLimit = 32L * 1024 * 1024;

		private int commandSizeLimit = 512;

		private int lineLengthLimit = 1001;

		private int localPartLimit;

		private int maxRecipients = 1000;

		private boolean smtputf8;

		private boolean decodeData;

		private int commandCallLimit;

		private final Map<String, Integer> commandCallLimits = new LinkedHashMap<>();

		private int maxUnrecognizedCommands = 10;

		private int maxConnections;

		private int maxConnectionsPerAddress;

		private int memoryThreshold = 1024 * 1024;

		private @Nullable Path tempDirectory;

		private final List<SmtpHandler> handlers = new ArrayList<>();

		private final List<SmtpCommand> commands = new ArrayList<>();

		private @Nullable Executor hookExecutor;

		private Builder() {
		}

		public Builder address(@Nullable InetAddress address) {
			this.address = address;
			return this;
		}

		public Builder port(int port) {
			this.port = port;
			return this;
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

		public Builder timeout(Duration timeout) {
			this.timeout = timeout;
			return this;
		}

		public Builder dataTimeout(Duration dataTimeout) {
			this.dataTimeout = dataTimeout;
			return this;
		}

		public Builder dataSizeLimit(long bytes) {
			this.dataSizeLimit = bytes;
			return this;
		}

		public Builder commandSizeLimit(int octets) {
			this.commandSizeLimit = octets;
			return this;
		}

		public Builder lineLengthLimit(int octets) {
			this.lineLengthLimit = octets;
			return this;
		}

		public Builder localPartLimit(int octets) {
			this.localPartLimit = octets;
			return this;
		}

		public Builder maxRecipients(int maxRecipients) {
			this.maxRecipients = maxRecipients;
			return this;
		}

		public Builder smtputf8(boolean smtputf8) {
			this.smtputf8 = smtputf8;
			return this;
		}

		public Builder decodeData(boolean decodeData) {
			this.decodeData = decodeData;
			return this;
		}

		/**
		 * Sets how often each command may be used per session; {@code 0} is no limit.
		 * @param calls the calls allowed
		 * @return this builder
		 */
		public Builder commandCallLimit(int calls) {
			this.commandCallLimit = calls;
			return this;
		}

		/**
		 * Sets how often one command may be used per session, overriding {@link #commandCallLimit(int)}.
		 * @param verb the verb, such as {@code NOOP}
		 * @param calls the calls allowed
		 * @return this builder
		 */
		public Builder commandCallLimit(String verb, int calls) {
			this.commandCallLimits.put(verb.toUpperCase(Locale.ROOT), calls);
			return this;
		}

		public Builder maxUnrecognizedCommands(int count) {
			this.maxUnrecognizedCommands = count;
			return this;
		}

		public Builder maxConnections(int maxConnections) {
			this.maxConnections = maxConnections;
			return this;
		}

		public Builder maxConnectionsPerAddress(int maxConnections) {
			this.maxConnectionsPerAddress = maxConnections;
			return this;
		}

		public Builder memoryThreshold(int bytes) {
			this.memoryThreshold = bytes;
			return this;
		}

		public Builder tempDirectory(@Nullable Path tempDirectory) {
			this.tempDirectory = tempDirectory;
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
		 * Sets the executor that runs hooks; by default the server makes a bounded pool of its own and
		 * shuts it down on stop. An executor set here is not shut down by the server.
		 * @param executor the executor
		 * @return this builder
		 */
		public Builder hookExecutor(@Nullable Executor executor) {
			this.hookExecutor = executor;
			return this;
		}

		public SmtpServer build() {
			return new SmtpServer(this);
		}

		SmtpServerConfig toConfig() {
			String name = (this.hostname != null) ? this.hostname : localHostname();
			return new SmtpServerConfig(this.address, this.port, this.protocol, name, this.ident, this.timeout,
					this.dataTimeout, this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit,
					this.localPartLimit, this.maxRecipients, this.smtputf8, this.decodeData, this.commandCallLimit,
					this.commandCallLimits, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.memoryThreshold, this.tempDirectory);
		}

		private static String defaultIdent() {
			String version = SmtpServer.class.getPackage().getImplementationVersion();
			return "smtpd-spring-boot" + ((version != null) ? " " + version : "");
		}

		private static String localHostname() {
			try {
				String name = InetAddress.getLocalHost().getCanonicalHostName();
				return (name.isBlank() || name.chars().anyMatch((c) -> c <= ' ' || c > '~')) ? "localhost" : name;
			}
			catch (UnknownHostException ex) {
				return "localhost";
			}
		}

	}

}
