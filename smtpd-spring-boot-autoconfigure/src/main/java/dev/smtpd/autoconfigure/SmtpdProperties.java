package dev.smtpd.autoconfigure;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.TlsMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the embedded SMTP server ({@code smtpd.*}).
 */
@ConfigurationProperties("smtpd")
public class SmtpdProperties {

	/**
	 * Whether to start the SMTP server.
	 */
	private boolean enabled = true;

	/**
	 * Network address to bind to; all interfaces when unset.
	 */
	private @Nullable InetAddress address;

	/**
	 * Port to listen on; 0 picks a free port, published as local.smtpd.port; -1 turns the
	 * TCP listener off, for a server only on its Unix domain socket.
	 */
	private int port = 8025;

	/**
	 * Protocol to speak: smtp, or lmtp (RFC 2033: LHLO, and a reply per recipient after
	 * DATA).
	 */
	private Protocol protocol = Protocol.SMTP;

	/**
	 * Name in the greeting and the EHLO reply; the local host name when unset.
	 */
	private @Nullable String hostname;

	/**
	 * Second part of the greeting; the product name and version when unset.
	 */
	private @Nullable String ident;

	/**
	 * Idle time between commands, or while a reply cannot be written, and longest time a
	 * command line may take from its first byte, before 421 and close.
	 */
	private Duration timeout = Duration.ofMinutes(5);

	/**
	 * Longest time one DATA phase, or one message in BDAT chunks, may take, however
	 * slowly the client sends.
	 */
	private Duration dataTimeout = Duration.ofMinutes(10);

	/**
	 * Time the server keeps accepting connections after the application starts shutting
	 * down, while its health reports OUT_OF_SERVICE, so that a load balancer stops
	 * routing to it before the listener closes.
	 */
	private Duration drainDelay = Duration.ZERO;

	/**
	 * Lowest average rate, per second, at which a DATA phase or a BDAT transaction must
	 * arrive once the timeout has passed; slower clients get 421. 0 for no minimum.
	 */
	private DataSize dataMinRate = DataSize.ofKilobytes(1);

	/**
	 * Longest time a handler hook may run before its command gets 451 and its thread is
	 * interrupted.
	 */
	private Duration hookTimeout = Duration.ofMinutes(1);

	/**
	 * Connections the kernel may queue before the server accepts them; the kernel caps it
	 * (net.core.somaxconn on Linux).
	 */
	private int backlog = 4096;

	/**
	 * Largest message accepted, advertised as SIZE; larger messages get 552. 0 for no
	 * limit.
	 */
	private DataSize dataSizeLimit = DataSize.ofMegabytes(32);

	/**
	 * Octets of a command line including CRLF, before the extension allowances; longer
	 * lines get 500.
	 */
	private int commandSizeLimit = 512;

	/**
	 * Octets of a text line in DATA including CRLF; longer lines get 500 after the final
	 * dot.
	 */
	private int lineLengthLimit = 1001;

	/**
	 * Longest local part of an address in octets; 0 for no limit.
	 */
	private int localPartLimit = 0;

	/**
	 * Recipients per transaction; more get 452.
	 */
	private int maxRecipients = 1000;

	/**
	 * Whether to advertise and accept SMTPUTF8 (RFC 6531).
	 */
	private boolean smtputf8 = false;

	/**
	 * Whether to advertise CHUNKING and accept BDAT (RFC 3030).
	 */
	private boolean chunking = true;

	/**
	 * Whether to advertise DSN and accept its parameters (RFC 3461).
	 */
	private boolean dsn = true;

	/**
	 * Whether to advertise BINARYMIME and accept BODY=BINARYMIME (RFC 3030); needs
	 * chunking.
	 */
	private boolean binarymime = false;

	/**
	 * Whether to also hand handlers the message content decoded as a string.
	 */
	private boolean decodeData = false;

	/**
	 * Unrecognized or malformed commands (a line over command-size-limit among them) a
	 * session may send before 421 and close.
	 */
	private int maxUnrecognizedCommands = 10;

	/**
	 * Connections at once; over it, 421 and close. Unlimited when unset.
	 */
	private @Nullable Integer maxConnections;

	/**
	 * Connections at once from one client address; over it, 421 and close. Unlimited when
	 * unset.
	 */
	private @Nullable Integer maxConnectionsPerAddress;

	/**
	 * Message bytes kept in memory before the rest goes to a temporary file.
	 */
	private DataSize memoryThreshold = DataSize.ofMegabytes(1);

	/**
	 * Directory for messages larger than the memory threshold; the system's temporary
	 * directory when unset.
	 */
	private @Nullable Path tempDirectory;

	/**
	 * Event loop threads; half the available processors, at least one, when unset.
	 */
	private @Nullable Integer ioThreads;

	/**
	 * Whether Netty's native epoll transport is used when netty-transport-native-epoll is
	 * on the class path (Linux); NIO otherwise.
	 */
	private boolean nativeTransport = true;

	/**
	 * Built-in handlers appended, in order, after the application's SmtpHandler beans:
	 * sink, debugging, maildir, mbox, relay, memory. When not set, debugging if the
	 * application declares no SmtpHandler bean.
	 */
	private List<String> handler = new ArrayList<>();

	private final CommandCallLimit commandCallLimit = new CommandCallLimit();

	private final Auth auth = new Auth();

	private final Ssl ssl = new Ssl();

	private final ProxyProtocol proxyProtocol = new ProxyProtocol();

	private final Maildir maildir = new Maildir();

	private final Mbox mbox = new Mbox();

	private final Memory memory = new Memory();

	private final Relay relay = new Relay();

	private final UnixSocket unixSocket = new UnixSocket();

	private final RateLimit rateLimit = new RateLimit();

	private final HookExecutor hookExecutor = new HookExecutor();

	public UnixSocket getUnixSocket() {
		return this.unixSocket;
	}

	public HookExecutor getHookExecutor() {
		return this.hookExecutor;
	}

	public DataSize getDataMinRate() {
		return this.dataMinRate;
	}

	public void setDataMinRate(DataSize dataMinRate) {
		this.dataMinRate = dataMinRate;
	}

	public Duration getHookTimeout() {
		return this.hookTimeout;
	}

	public void setHookTimeout(Duration hookTimeout) {
		this.hookTimeout = hookTimeout;
	}

	public int getBacklog() {
		return this.backlog;
	}

	public void setBacklog(int backlog) {
		this.backlog = backlog;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable InetAddress getAddress() {
		return this.address;
	}

	public void setAddress(@Nullable InetAddress address) {
		this.address = address;
	}

	public int getPort() {
		return this.port;
	}

	public void setPort(int port) {
		this.port = port;
	}

	public Protocol getProtocol() {
		return this.protocol;
	}

	public void setProtocol(Protocol protocol) {
		this.protocol = protocol;
	}

	public @Nullable String getHostname() {
		return this.hostname;
	}

	public void setHostname(@Nullable String hostname) {
		this.hostname = hostname;
	}

	public @Nullable String getIdent() {
		return this.ident;
	}

	public void setIdent(@Nullable String ident) {
		this.ident = ident;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getDataTimeout() {
		return this.dataTimeout;
	}

	public void setDataTimeout(Duration dataTimeout) {
		this.dataTimeout = dataTimeout;
	}

	public Duration getDrainDelay() {
		return this.drainDelay;
	}

	public void setDrainDelay(Duration drainDelay) {
		this.drainDelay = drainDelay;
	}

	public DataSize getDataSizeLimit() {
		return this.dataSizeLimit;
	}

	public void setDataSizeLimit(DataSize dataSizeLimit) {
		this.dataSizeLimit = dataSizeLimit;
	}

	public int getCommandSizeLimit() {
		return this.commandSizeLimit;
	}

	public void setCommandSizeLimit(int commandSizeLimit) {
		this.commandSizeLimit = commandSizeLimit;
	}

	public int getLineLengthLimit() {
		return this.lineLengthLimit;
	}

	public void setLineLengthLimit(int lineLengthLimit) {
		this.lineLengthLimit = lineLengthLimit;
	}

	public int getLocalPartLimit() {
		return this.localPartLimit;
	}

	public void setLocalPartLimit(int localPartLimit) {
		this.localPartLimit = localPartLimit;
	}

	public int getMaxRecipients() {
		return this.maxRecipients;
	}

	public void setMaxRecipients(int maxRecipients) {
		this.maxRecipients = maxRecipients;
	}

	public boolean isChunking() {
		return this.chunking;
	}

	public void setChunking(boolean chunking) {
		this.chunking = chunking;
	}

	public boolean isSmtputf8() {
		return this.smtputf8;
	}

	public void setSmtputf8(boolean smtputf8) {
		this.smtputf8 = smtputf8;
	}

	public boolean isBinarymime() {
		return this.binarymime;
	}

	public void setBinarymime(boolean binarymime) {
		this.binarymime = binarymime;
	}

	public boolean isDsn() {
		return this.dsn;
	}

	public void setDsn(boolean dsn) {
		this.dsn = dsn;
	}

	public boolean isDecodeData() {
		return this.decodeData;
	}

	public void setDecodeData(boolean decodeData) {
		this.decodeData = decodeData;
	}

	public int getMaxUnrecognizedCommands() {
		return this.maxUnrecognizedCommands;
	}

	public void setMaxUnrecognizedCommands(int maxUnrecognizedCommands) {
		this.maxUnrecognizedCommands = maxUnrecognizedCommands;
	}

	public @Nullable Integer getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(@Nullable Integer maxConnections) {
		this.maxConnections = maxConnections;
	}

	public @Nullable Integer getMaxConnectionsPerAddress() {
		return this.maxConnectionsPerAddress;
	}

	public void setMaxConnectionsPerAddress(@Nullable Integer maxConnectionsPerAddress) {
		this.maxConnectionsPerAddress = maxConnectionsPerAddress;
	}

	public DataSize getMemoryThreshold() {
		return this.memoryThreshold;
	}

	public void setMemoryThreshold(DataSize memoryThreshold) {
		this.memoryThreshold = memoryThreshold;
	}

	public @Nullable Path getTempDirectory() {
		return this.tempDirectory;
	}

	public void setTempDirectory(@Nullable Path tempDirectory) {
		this.tempDirectory = tempDirectory;
	}

	public @Nullable Integer getIoThreads() {
		return this.ioThreads;
	}

	public void setIoThreads(@Nullable Integer ioThreads) {
		this.ioThreads = ioThreads;
	}

	public boolean isNativeTransport() {
		return this.nativeTransport;
	}

	public void setNativeTransport(boolean nativeTransport) {
		this.nativeTransport = nativeTransport;
	}

	public List<String> getHandler() {
		return this.handler;
	}

	public void setHandler(List<String> handler) {
		this.handler = handler;
	}

	public RateLimit getRateLimit() {
		return this.rateLimit;
	}

	public CommandCallLimit getCommandCallLimit() {
		return this.commandCallLimit;
	}

	public Auth getAuth() {
		return this.auth;
	}

	public Ssl getSsl() {
		return this.ssl;
	}

	public ProxyProtocol getProxyProtocol() {
		return this.proxyProtocol;
	}

	public Maildir getMaildir() {
		return this.maildir;
	}

	public Mbox getMbox() {
		return this.mbox;
	}

	public Relay getRelay() {
		return this.relay;
	}

	public Memory getMemory() {
		return this.memory;
	}

	/**
	 * How often each command may be used in one session.
	 */
	public static class CommandCallLimit {

		/**
		 * Calls allowed per command per session, then 421 and close; unlimited when
		 * unset.
		 */
		private @Nullable Integer defaultLimit;

		/**
		 * Calls allowed per session for particular commands, by verb, such as NOOP: 5.
		 */
		private Map<String, Integer> commands = new LinkedHashMap<>();

		public @Nullable Integer getDefault() {
			return this.defaultLimit;
		}

		public void setDefault(@Nullable Integer defaultLimit) {
			this.defaultLimit = defaultLimit;
		}

		public Map<String, Integer> getCommands() {
			return this.commands;
		}

		public void setCommands(Map<String, Integer> commands) {
			this.commands = commands;
		}

	}

	/**
	 * Rate limits per client address and per authenticated login, as Postfix's anvil has
	 * them, kept in memory unless a RateLimiter bean replaces them.
	 */
	public static class RateLimit {

		/**
		 * Connections per minute from one client address; over it, 421 and close.
		 * Unlimited when unset.
		 */
		private @Nullable Integer connectionsPerMinute;

		/**
		 * MAIL commands per minute from one client address; over it, 450. Unlimited when
		 * unset.
		 */
		private @Nullable Integer messagesPerMinute;

		/**
		 * RCPT commands per minute from one client address; over it, 452. Unlimited when
		 * unset.
		 */
		private @Nullable Integer recipientsPerMinute;

		/**
		 * AUTH commands per minute from one client address; over it, 450. Unlimited when
		 * unset.
		 */
		private @Nullable Integer authAttemptsPerMinute;

		/**
		 * MAIL commands per minute from one authenticated login, from any address; over
		 * it, 450. Unlimited when unset.
		 */
		private @Nullable Integer loginMessagesPerMinute;

		/**
		 * RCPT commands per minute from one authenticated login, from any address; over
		 * it, 452. Unlimited when unset.
		 */
		private @Nullable Integer loginRecipientsPerMinute;

		/**
		 * Counters kept at most, one per client and limit; beyond it the least recently
		 * used is forgotten. A counter unused for a minute is forgotten anyway.
		 */
		private int maxTrackedClients = 100_000;

		public @Nullable Integer getConnectionsPerMinute() {
			return this.connectionsPerMinute;
		}

		public void setConnectionsPerMinute(@Nullable Integer connectionsPerMinute) {
			this.connectionsPerMinute = connectionsPerMinute;
		}

		public @Nullable Integer getMessagesPerMinute() {
			return this.messagesPerMinute;
		}

		public void setMessagesPerMinute(@Nullable Integer messagesPerMinute) {
			this.messagesPerMinute = messagesPerMinute;
		}

		public @Nullable Integer getRecipientsPerMinute() {
			return this.recipientsPerMinute;
		}

		public void setRecipientsPerMinute(@Nullable Integer recipientsPerMinute) {
			this.recipientsPerMinute = recipientsPerMinute;
		}

		public @Nullable Integer getAuthAttemptsPerMinute() {
			return this.authAttemptsPerMinute;
		}

		public void setAuthAttemptsPerMinute(@Nullable Integer authAttemptsPerMinute) {
			this.authAttemptsPerMinute = authAttemptsPerMinute;
		}

		public @Nullable Integer getLoginMessagesPerMinute() {
			return this.loginMessagesPerMinute;
		}

		public void setLoginMessagesPerMinute(@Nullable Integer loginMessagesPerMinute) {
			this.loginMessagesPerMinute = loginMessagesPerMinute;
		}

		public @Nullable Integer getLoginRecipientsPerMinute() {
			return this.loginRecipientsPerMinute;
		}

		public void setLoginRecipientsPerMinute(@Nullable Integer loginRecipientsPerMinute) {
			this.loginRecipientsPerMinute = loginRecipientsPerMinute;
		}

		public int getMaxTrackedClients() {
			return this.maxTrackedClients;
		}

		public void setMaxTrackedClients(int maxTrackedClients) {
			this.maxTrackedClients = maxTrackedClients;
		}

	}

	/**
	 * SMTP authentication (RFC 4954).
	 */
	public static class Auth {

		/**
		 * Whether every command but AUTH, EHLO, HELO, NOOP, RSET, QUIT and STARTTLS needs
		 * AUTH first (530 before).
		 */
		private boolean required = false;

		/**
		 * Whether AUTH is offered only after TLS.
		 */
		private boolean requireTls = true;

		/**
		 * SASL mechanisms not to offer, such as LOGIN.
		 */
		private List<String> excludeMechanisms = new ArrayList<>();

		/**
		 * Users and their encoded passwords ({bcrypt}..., {argon2}..., {pbkdf2}...), by
		 * login. Logins with '@' or '.' need brackets:
		 * smtpd.auth.users.[alice@example.com].
		 */
		private Map<String, String> users = new LinkedHashMap<>();

		/**
		 * File of login:{id}encoded-password lines, re-read when it changes.
		 */
		private @Nullable Path usersFile;

		/**
		 * Failed AUTH attempts one client address may make before 421 and close; 0 for no
		 * limit.
		 */
		private int maxFailures = 10;

		/**
		 * Delay before answering a failed AUTH; it doubles with each further failure from
		 * the address.
		 */
		private Duration failureDelay = Duration.ofMillis(500);

		public boolean isRequired() {
			return this.required;
		}

		public void setRequired(boolean required) {
			this.required = required;
		}

		public boolean isRequireTls() {
			return this.requireTls;
		}

		public void setRequireTls(boolean requireTls) {
			this.requireTls = requireTls;
		}

		public List<String> getExcludeMechanisms() {
			return this.excludeMechanisms;
		}

		public void setExcludeMechanisms(List<String> excludeMechanisms) {
			this.excludeMechanisms = excludeMechanisms;
		}

		public Map<String, String> getUsers() {
			return this.users;
		}

		public void setUsers(Map<String, String> users) {
			this.users = users;
		}

		public @Nullable Path getUsersFile() {
			return this.usersFile;
		}

		public void setUsersFile(@Nullable Path usersFile) {
			this.usersFile = usersFile;
		}

		public int getMaxFailures() {
			return this.maxFailures;
		}

		public void setMaxFailures(int maxFailures) {
			this.maxFailures = maxFailures;
		}

		public Duration getFailureDelay() {
			return this.failureDelay;
		}

		public void setFailureDelay(Duration failureDelay) {
			this.failureDelay = failureDelay;
		}

	}

	/**
	 * TLS, from a Spring SSL bundle.
	 */
	public static class Ssl {

		/**
		 * Name of the SSL bundle (spring.ssl.bundle.*) to use; TLS is off when unset.
		 */
		private @Nullable String bundle;

		/**
		 * How TLS is offered: starttls, or implicit for TLS from the first byte (SMTPS).
		 */
		private TlsMode mode = TlsMode.STARTTLS;

		/**
		 * Whether clients must use STARTTLS before anything but EHLO, LHLO, STARTTLS,
		 * NOOP and QUIT.
		 */
		private boolean requireStarttls = false;

		/**
		 * Whether to ask clients for a certificate (mutual TLS).
		 */
		private ClientAuth clientAuth = ClientAuth.NONE;

		/**
		 * Longest time a TLS handshake may take before the connection is closed.
		 */
		private Duration handshakeTimeout = Duration.ofSeconds(30);

		/**
		 * TLS implementation: auto for OpenSSL when netty-tcnative is on the class path
		 * and the JDK's otherwise, or jdk.
		 */
		private Provider provider = Provider.AUTO;

		public @Nullable String getBundle() {
			return this.bundle;
		}

		public void setBundle(@Nullable String bundle) {
			this.bundle = bundle;
		}

		public TlsMode getMode() {
			return this.mode;
		}

		public void setMode(TlsMode mode) {
			this.mode = mode;
		}

		public boolean isRequireStarttls() {
			return this.requireStarttls;
		}

		public void setRequireStarttls(boolean requireStarttls) {
			this.requireStarttls = requireStarttls;
		}

		public ClientAuth getClientAuth() {
			return this.clientAuth;
		}

		public void setClientAuth(ClientAuth clientAuth) {
			this.clientAuth = clientAuth;
		}

		public Duration getHandshakeTimeout() {
			return this.handshakeTimeout;
		}

		public void setHandshakeTimeout(Duration handshakeTimeout) {
			this.handshakeTimeout = handshakeTimeout;
		}

		public Provider getProvider() {
			return this.provider;
		}

		public void setProvider(Provider provider) {
			this.provider = provider;
		}

		/**
		 * Whether the server asks clients for a certificate.
		 */
		public enum ClientAuth {

			/**
			 * Do not ask for a client certificate.
			 */
			NONE,

			/**
			 * Ask for a client certificate; go on without one.
			 */
			WANT,

			/**
			 * Ask for a client certificate and refuse the handshake without one.
			 */
			NEED

		}

		/**
		 * The TLS implementation.
		 */
		public enum Provider {

			/**
			 * OpenSSL (netty-tcnative) when it is on the class path, the JDK's otherwise.
			 */
			AUTO,

			/**
			 * The JDK's, even when OpenSSL is available.
			 */
			JDK

		}

	}

	/**
	 * PROXY protocol (v1 and v2) in front of the SMTP conversation.
	 */
	public static class ProxyProtocol {

		/**
		 * Whether to expect a PROXY protocol header before the greeting.
		 */
		private boolean enabled = false;

		/**
		 * Time to wait for the PROXY header before closing.
		 */
		private Duration timeout = Duration.ofSeconds(5);

		/**
		 * Networks (CIDR) allowed to send a PROXY header.
		 */
		private List<String> trustedProxies = new ArrayList<>(List.of("127.0.0.0/8", "::1/128"));

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public List<String> getTrustedProxies() {
			return this.trustedProxies;
		}

		public void setTrustedProxies(List<String> trustedProxies) {
			this.trustedProxies = trustedProxies;
		}

	}

	/**
	 * The server's own pool for handler hooks; not used when hooks run on virtual threads
	 * (spring.threads.virtual.enabled) or on an smtpdHookExecutor bean.
	 */
	public static class HookExecutor {

		/**
		 * Hook threads; four per processor, at least eight, when unset.
		 */
		private @Nullable Integer threads;

		/**
		 * Hooks that may wait for a thread; beyond them a command gets 451.
		 */
		private int queueSize = 10_000;

		public @Nullable Integer getThreads() {
			return this.threads;
		}

		public void setThreads(@Nullable Integer threads) {
			this.threads = threads;
		}

		public int getQueueSize() {
			return this.queueSize;
		}

		public void setQueueSize(int queueSize) {
			this.queueSize = queueSize;
		}

	}

	/**
	 * A Unix domain socket to listen on.
	 */
	public static class UnixSocket {

		/**
		 * Unix domain socket to listen on as well as the port (or instead of it with port
		 * -1); a stale socket file is replaced.
		 */
		private @Nullable Path path;

		/**
		 * Permissions of the socket file, as four octal digits such as 0660 (quoted in
		 * YAML) or symbolic such as rw-rw----; left to the umask when unset.
		 */
		private @Nullable String mode;

		public @Nullable Path getPath() {
			return this.path;
		}

		public void setPath(@Nullable Path path) {
			this.path = path;
		}

		public @Nullable String getMode() {
			return this.mode;
		}

		public void setMode(@Nullable String mode) {
			this.mode = mode;
		}

	}

	/**
	 * The maildir built-in handler.
	 */
	public static class Maildir {

		/**
		 * Maildir root; tmp, new and cur are created in it.
		 */
		private Path path = Path.of("./mail");

		/**
		 * Whether to put a Received header in front of each stored message.
		 */
		private boolean addReceivedHeader = false;

		public Path getPath() {
			return this.path;
		}

		public void setPath(Path path) {
			this.path = path;
		}

		public boolean isAddReceivedHeader() {
			return this.addReceivedHeader;
		}

		public void setAddReceivedHeader(boolean addReceivedHeader) {
			this.addReceivedHeader = addReceivedHeader;
		}

	}

	/**
	 * The mbox built-in handler.
	 */
	public static class Mbox {

		/**
		 * File that messages are appended to.
		 */
		private Path path = Path.of("./mail.mbox");

		public Path getPath() {
			return this.path;
		}

		public void setPath(Path path) {
			this.path = path;
		}

	}

	/**
	 * The memory built-in handler.
	 */
	public static class Memory {

		/**
		 * Maximum number of messages kept in memory; past it the oldest is dropped.
		 */
		private int maxMessages = 1000;

		public int getMaxMessages() {
			return this.maxMessages;
		}

		public void setMaxMessages(int maxMessages) {
			this.maxMessages = maxMessages;
		}

	}

	/**
	 * The relay built-in handler.
	 */
	public static class Relay {

		/**
		 * Upstream SMTP server that messages are forwarded to.
		 */
		private @Nullable String host;

		/**
		 * Port of the upstream SMTP server.
		 */
		private int port = 25;

		public @Nullable String getHost() {
			return this.host;
		}

		public void setHost(@Nullable String host) {
			this.host = host;
		}

		public int getPort() {
			return this.port;
		}

		public void setPort(int port) {
			this.port = port;
		}

	}

}
