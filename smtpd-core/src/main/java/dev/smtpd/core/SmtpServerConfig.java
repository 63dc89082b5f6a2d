package dev.smtpd.core;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The immutable settings of an {@link SmtpServer}, built by {@link SmtpServer.Builder},
 * in groups. Every value is checked here and only here: a group checks its own values
 * when it is created, this record the values that depend on each other. A rejected value
 * throws an {@link InvalidSettingException} whose key is the setting's property name
 * relative to {@code smtpd.}; each component's javadoc names its key. A limit of
 * {@code 0} is off.
 *
 * @param network where (TCP port, Unix domain socket) and on how many event loops the
 * server listens
 * @param protocol SMTP or LMTP ({@code protocol})
 * @param hostname the name in the greeting and the EHLO reply ({@code hostname})
 * @param ident the second part of the greeting ({@code ident})
 * @param timeouts how long the server waits for a client
 * @param limits sizes and counts beyond which commands, messages or connections are
 * refused
 * @param content how message content is held and handed to handlers
 * @param extensions which optional SMTP extensions are offered
 * @param auth SMTP authentication
 * @param tls TLS, off when {@link Tls#mode()} is {@code null}
 * @param proxyProtocol the PROXY protocol header expected before the greeting, off by
 * default
 * @param hooks how long hooks may run, and on how many threads
 */
public record SmtpServerConfig(Network network, Protocol protocol, String hostname, String ident, Timeouts timeouts,
		Limits limits, Content content, Extensions extensions, Auth auth, Tls tls, ProxyProtocol proxyProtocol,
		Hooks hooks) {

	public SmtpServerConfig {
		if (hostname.isBlank() || hostname.chars().anyMatch((c) -> c <= ' ' || c > '~')) {
			throw new InvalidSettingException("hostname", hostname, "Must be printable ASCII without spaces");
		}
		if (extensions.binarymime() && !extensions.chunking()) {
			throw new InvalidSettingException("binarymime", true, "Needs CHUNKING (chunking=true)");
		}
		if (ident.chars().anyMatch((c) -> c < ' ' || c > '~')) {
			throw new InvalidSettingException("ident", ident, "Must be printable ASCII");
		}
		if (!network.hasTcpListener() && network.unixSocket() == null) {
			throw new InvalidSettingException("port", network.port(),
					"-1 turns the TCP listener off and needs a Unix domain socket (unix-socket.path)");
		}
		if (tls.requireStarttls() && tls.mode() != TlsMode.STARTTLS) {
			throw new InvalidSettingException("ssl.require-starttls", true, "Needs TLS in STARTTLS mode");
		}
	}

	/**
	 * Where and on how many event loops the server listens: a TCP port, a Unix domain
	 * socket, or both.
	 *
	 * @param address the bind address, {@code null} for all interfaces ({@code address})
	 * @param port the port, {@code 0} for a free one, {@code -1} for no TCP listener
	 * (then {@code unixSocket} is required) ({@code port})
	 * @param ioThreads event loop threads, {@code 0} for half the available processors,
	 * at least one ({@code io-threads})
	 * @param nativeTransport whether Netty's native epoll transport is used when it is on
	 * the class path (Linux, {@code netty-transport-native-epoll}); NIO otherwise
	 * ({@code native-transport})
	 * @param unixSocket a Unix domain socket to listen on as well, or {@code null}
	 * ({@code unix-socket.*})
	 * @param backlog connections the kernel may hold for the server before it accepts
	 * them; the kernel caps it (on Linux at {@code net.core.somaxconn}) ({@code backlog})
	 */
	public record Network(@Nullable InetAddress address, int port, int ioThreads, boolean nativeTransport,
			@Nullable UnixSocket unixSocket, int backlog) {

		public Network {
			requireBetween("port", port, -1, 65535);
			requireBetween("io-threads", ioThreads, 0, 1024);
			requireBetween("backlog", backlog, 1, 65535);
		}

		/**
		 * Returns the defaults: all interfaces, port 8025, the default number of event
		 * loops, native transport when available, no Unix domain socket, a backlog of
		 * 4096.
		 * @return the defaults
		 */
		public static Network defaults() {
			return new Network(null, 8025, 0, true, null, 4096);
		}

		/**
		 * Returns whether the server listens on a TCP port ({@code port} is not
		 * {@code -1}).
		 * @return whether there is a TCP listener
		 */
		public boolean hasTcpListener() {
			return this.port != -1;
		}

		public Network withAddress(@Nullable InetAddress address) {
			return new Network(address, this.port, this.ioThreads, this.nativeTransport, this.unixSocket, this.backlog);
		}

		public Network withPort(int port) {
			return new Network(this.address, port, this.ioThreads, this.nativeTransport, this.unixSocket, this.backlog);
		}

		public Network withIoThreads(int ioThreads) {
			return new Network(this.address, this.port, ioThreads, this.nativeTransport, this.unixSocket, this.backlog);
		}

		public Network withNativeTransport(boolean nativeTransport) {
			return new Network(this.address, this.port, this.ioThreads, nativeTransport, this.unixSocket, this.backlog);
		}

		public Network withUnixSocket(@Nullable UnixSocket unixSocket) {
			return new Network(this.address, this.port, this.ioThreads, this.nativeTransport, unixSocket, this.backlog);
		}

		public Network withBacklog(int backlog) {
			return new Network(this.address, this.port, this.ioThreads, this.nativeTransport, this.unixSocket, backlog);
		}

	}

	/**
	 * A Unix domain socket the server listens on, beside the TCP port or instead of it
	 * ({@code port} {@code -1}). Every connection gets the same pipeline as a TCP one, so
	 * it speaks the server's {@code protocol}. A socket file left behind by a crash is
	 * replaced at startup; any other file at the path fails the startup, as does a socket
	 * another process still listens on. The file is removed when the server stops.
	 *
	 * @param path the socket file ({@code unix-socket.path})
	 * @param mode the file's permissions, set after the bind; {@code null} leaves them as
	 * the process's umask made them ({@code unix-socket.mode}). A client needs write
	 * permission to connect.
	 */
	public record UnixSocket(Path path, @Nullable Set<PosixFilePermission> mode) {

		private static final Pattern OCTAL_MODE = Pattern.compile("0[0-7]{3}");

		private static final Pattern SYMBOLIC_MODE = Pattern.compile("[r-][w-][x-][r-][w-][x-][r-][w-][x-]");

		public UnixSocket {
			if (path.toString().isEmpty()) {
				throw new InvalidSettingException("unix-socket.path", path, "Must not be empty");
			}
			mode = (mode != null) ? Set.copyOf(mode) : null;
		}

		/**
		 * Returns a socket at the given path whose permissions the umask decides.
		 * @param path the socket file
		 * @return the socket
		 */
		public static UnixSocket of(Path path) {
			return new UnixSocket(path, null);
		}

		/**
		 * Returns a copy with the permissions written as a POSIX mode: four octal digits
		 * such as {@code 0660}, or symbolic such as {@code rw-rw----}.
		 * @param mode the mode, {@code null} to leave the permissions to the umask
		 * @return the copy
		 * @throws InvalidSettingException if the mode is neither
		 */
		public UnixSocket withMode(@Nullable String mode) {
			return new UnixSocket(this.path, (mode != null) ? parseMode(mode) : null);
		}

		public UnixSocket withMode(@Nullable Set<PosixFilePermission> mode) {
			return new UnixSocket(this.path, mode);
		}

		private static Set<PosixFilePermission> parseMode(String mode) {
			if (SYMBOLIC_MODE.matcher(mode).matches()) {
				return PosixFilePermissions.fromString(mode);
			}
			if (!OCTAL_MODE.matcher(mode).matches()) {
				// four digits: YAML reads an unquoted 0660 as the number 432
				throw new InvalidSettingException("unix-socket.mode", mode,
						"Must be four octal digits such as 0660 (quoted in YAML) or symbolic such as rw-rw----");
			}
			int bits = Integer.parseInt(mode, 8);
			StringBuilder symbolic = new StringBuilder(9);
			String letters = "rwx";
			for (int i = 8; i >= 0; i--) {
				symbolic.append(((bits & (1 << i)) != 0) ? letters.charAt((8 - i) % 3) : '-');
			}
			return PosixFilePermissions.fromString(symbolic.toString());
		}

	}

	/**
	 * How long the server waits for a client.
	 *
	 * @param timeout idle time between commands (and while a reply cannot be written)
	 * before 421 and close ({@code timeout})
	 * @param dataTimeout the longest a DATA phase may take, however slowly bytes trickle
	 * in ({@code data-timeout})
	 * @param dataMinRate the lowest average rate, in octets per second, at which a DATA
	 * phase or a BDAT transaction may arrive once {@code timeout} has passed: each octet
	 * received gives the client {@code 1/dataMinRate} seconds more, time it waits for the
	 * server does not count; {@code 0} for no minimum ({@code data-min-rate})
	 */
	public record Timeouts(Duration timeout, Duration dataTimeout, long dataMinRate) {

		public Timeouts {
			requirePositive("timeout", timeout);
			requirePositive("data-timeout", dataTimeout);
			requireBetween("data-min-rate", dataMinRate, 0, 1L << 30);
		}

		/**
		 * Returns the defaults: five minutes idle, ten minutes for DATA, at least 1 KiB a
		 * second after the first five minutes of a message.
		 * @return the defaults
		 */
		public static Timeouts defaults() {
			return new Timeouts(Duration.ofMinutes(5), Duration.ofMinutes(10), 1024);
		}

		public Timeouts withTimeout(Duration timeout) {
			return new Timeouts(timeout, this.dataTimeout, this.dataMinRate);
		}

		public Timeouts withDataTimeout(Duration dataTimeout) {
			return new Timeouts(this.timeout, dataTimeout, this.dataMinRate);
		}

		public Timeouts withDataMinRate(long dataMinRate) {
			return new Timeouts(this.timeout, this.dataTimeout, dataMinRate);
		}

	}

	/**
	 * Sizes and counts beyond which commands, messages or connections are refused;
	 * {@code 0} is off where allowed.
	 *
	 * @param dataSizeLimit the largest message in bytes, advertised as SIZE
	 * ({@code data-size-limit})
	 * @param commandSizeLimit octets of a command line including CRLF
	 * ({@code command-size-limit})
	 * @param lineLengthLimit octets of a text line in DATA including CRLF
	 * ({@code line-length-limit})
	 * @param localPartLimit the longest local part in octets ({@code local-part-limit})
	 * @param maxRecipients recipients per transaction ({@code max-recipients})
	 * @param maxUnrecognizedCommands unrecognized commands before {@code 421} and close
	 * ({@code max-unrecognized-commands})
	 * @param maxConnections connections at once ({@code max-connections})
	 * @param maxConnectionsPerAddress connections at once from one client address
	 * ({@code max-connections-per-address})
	 * @param commandCallLimit calls allowed per command per session, unless
	 * {@code commandCallLimits} has the verb ({@code command-call-limit.default})
	 * @param commandCallLimits per-verb call limits, verbs upper-case
	 * ({@code command-call-limit.commands.<VERB>})
	 */
	public record Limits(long dataSizeLimit, int commandSizeLimit, int lineLengthLimit, int localPartLimit,
			int maxRecipients, int maxUnrecognizedCommands, int maxConnections, int maxConnectionsPerAddress,
			int commandCallLimit, Map<String, Integer> commandCallLimits) {

		public Limits {
			requireBetween("data-size-limit", dataSizeLimit, 0, Long.MAX_VALUE);
			requireBetween("command-size-limit", commandSizeLimit, 512, 1 << 20);
			requireBetween("line-length-limit", lineLengthLimit, 1001, 1 << 20);
			requireBetween("local-part-limit", localPartLimit, 0, 1 << 16);
			requireBetween("max-recipients", maxRecipients, 1, Integer.MAX_VALUE);
			requireBetween("max-unrecognized-commands", maxUnrecognizedCommands, 1, Integer.MAX_VALUE);
			requireBetween("max-connections", maxConnections, 0, Integer.MAX_VALUE);
			requireBetween("max-connections-per-address", maxConnectionsPerAddress, 0, Integer.MAX_VALUE);
			requireBetween("command-call-limit.default", commandCallLimit, 0, Integer.MAX_VALUE);
			commandCallLimits.forEach((verb, limit) -> requireBetween("command-call-limit.commands." + verb, limit, 1,
					Integer.MAX_VALUE));
			commandCallLimits = Map.copyOf(commandCallLimits);
		}

		/**
		 * Returns the defaults: 32 MiB messages, the RFC 5321 minimum command and line
		 * lengths, 1000 recipients, 10 unrecognized commands, everything else off.
		 * @return the defaults
		 */
		public static Limits defaults() {
			return new Limits(32L * 1024 * 1024, 512, 1001, 0, 1000, 10, 0, 0, 0, Map.of());
		}

		/**
		 * Returns the call limit for a verb.
		 * @param verb the upper-case verb
		 * @return the limit, {@code 0} for none
		 */
		public int commandCallLimit(String verb) {
			return this.commandCallLimits.getOrDefault(verb, this.commandCallLimit);
		}

		public Limits withDataSizeLimit(long dataSizeLimit) {
			return new Limits(dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withCommandSizeLimit(int commandSizeLimit) {
			return new Limits(this.dataSizeLimit, commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withLineLengthLimit(int lineLengthLimit) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withLocalPartLimit(int localPartLimit) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withMaxRecipients(int maxRecipients) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					maxRecipients, this.maxUnrecognizedCommands, this.maxConnections, this.maxConnectionsPerAddress,
					this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withMaxUnrecognizedCommands(int maxUnrecognizedCommands) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, maxUnrecognizedCommands, this.maxConnections, this.maxConnectionsPerAddress,
					this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withMaxConnections(int maxConnections) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, maxConnections, this.maxConnectionsPerAddress,
					this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withMaxConnectionsPerAddress(int maxConnectionsPerAddress) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections, maxConnectionsPerAddress,
					this.commandCallLimit, this.commandCallLimits);
		}

		public Limits withCommandCallLimit(int commandCallLimit) {
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, commandCallLimit, this.commandCallLimits);
		}

		/**
		 * Returns a copy with a call limit for one verb added or replaced.
		 * @param verb the verb, in any case
		 * @param calls the calls allowed
		 * @return the copy
		 */
		public Limits withCommandCallLimit(String verb, int calls) {
			Map<String, Integer> limits = new LinkedHashMap<>(this.commandCallLimits);
			limits.put(verb.toUpperCase(Locale.ROOT), calls);
			return new Limits(this.dataSizeLimit, this.commandSizeLimit, this.lineLengthLimit, this.localPartLimit,
					this.maxRecipients, this.maxUnrecognizedCommands, this.maxConnections,
					this.maxConnectionsPerAddress, this.commandCallLimit, limits);
		}

	}

	/**
	 * How message content is held and handed to handlers.
	 *
	 * @param memoryThreshold message bytes kept in memory before spilling to a temporary
	 * file ({@code memory-threshold})
	 * @param tempDirectory where spilled messages go, {@code null} for the system's
	 * temporary directory ({@code temp-directory})
	 * @param decodeData whether to also hand the DATA hook the content as a string
	 * ({@code decode-data})
	 */
	public record Content(int memoryThreshold, @Nullable Path tempDirectory, boolean decodeData) {

		public Content {
			requireBetween("memory-threshold", memoryThreshold, 0, Integer.MAX_VALUE);
		}

		/**
		 * Returns the defaults: 1 MiB in memory, the system's temporary directory, no
		 * decoding.
		 * @return the defaults
		 */
		public static Content defaults() {
			return new Content(1024 * 1024, null, false);
		}

		/**
		 * Returns a copy with another memory threshold.
		 * @param memoryThreshold the threshold in bytes, at most
		 * {@link Integer#MAX_VALUE}
		 * @return the copy
		 */
		public Content withMemoryThreshold(long memoryThreshold) {
			requireBetween("memory-threshold", memoryThreshold, 0, Integer.MAX_VALUE);
			return new Content((int) memoryThreshold, this.tempDirectory, this.decodeData);
		}

		public Content withTempDirectory(@Nullable Path tempDirectory) {
			return new Content(this.memoryThreshold, tempDirectory, this.decodeData);
		}

		public Content withDecodeData(boolean decodeData) {
			return new Content(this.memoryThreshold, this.tempDirectory, decodeData);
		}

	}

	/**
	 * Which optional SMTP extensions are offered.
	 *
	 * @param smtputf8 whether to advertise and accept SMTPUTF8, RFC 6531
	 * ({@code smtputf8})
	 * @param chunking whether to advertise CHUNKING and accept BDAT, RFC 3030
	 * ({@code chunking})
	 * @param dsn whether to advertise DSN and accept its parameters, RFC 3461
	 * ({@code dsn})
	 * @param binarymime whether to advertise BINARYMIME and accept
	 * {@code BODY=BINARYMIME}, RFC 3030; needs {@code chunking} ({@code binarymime})
	 */
	public record Extensions(boolean smtputf8, boolean chunking, boolean dsn, boolean binarymime) {

		/**
		 * Returns the defaults: SMTPUTF8 off, CHUNKING and DSN on, BINARYMIME off.
		 * @return the defaults
		 */
		public static Extensions defaults() {
			return new Extensions(false, true, true, false);
		}

		public Extensions withSmtputf8(boolean smtputf8) {
			return new Extensions(smtputf8, this.chunking, this.dsn, this.binarymime);
		}

		public Extensions withChunking(boolean chunking) {
			return new Extensions(this.smtputf8, chunking, this.dsn, this.binarymime);
		}

		public Extensions withDsn(boolean dsn) {
			return new Extensions(this.smtputf8, this.chunking, dsn, this.binarymime);
		}

		public Extensions withBinarymime(boolean binarymime) {
			return new Extensions(this.smtputf8, this.chunking, this.dsn, binarymime);
		}

	}

	/**
	 * SMTP authentication (RFC 4954).
	 *
	 * @param required whether every command but AUTH, EHLO, HELO, NOOP, RSET, QUIT and
	 * STARTTLS needs AUTH first ({@code auth.required})
	 * @param requireTls whether AUTH is offered only over TLS ({@code auth.require-tls})
	 * @param maxFailures failed AUTH attempts per client address before {@code 421} and
	 * close ({@code auth.max-failures})
	 * @param failureDelay the delay before answering the first failed AUTH; it doubles
	 * with each failure ({@code auth.failure-delay})
	 */
	public record Auth(boolean required, boolean requireTls, int maxFailures, Duration failureDelay) {

		public Auth {
			requireBetween("auth.max-failures", maxFailures, 0, Integer.MAX_VALUE);
			if (failureDelay.isNegative()) {
				throw new InvalidSettingException("auth.failure-delay", failureDelay, "Must not be negative");
			}
		}

		/**
		 * Returns the defaults: AUTH not required, only over TLS, 10 failures, 500 ms
		 * delay.
		 * @return the defaults
		 */
		public static Auth defaults() {
			return new Auth(false, true, 10, Duration.ofMillis(500));
		}

		public Auth withRequired(boolean required) {
			return new Auth(required, this.requireTls, this.maxFailures, this.failureDelay);
		}

		public Auth withRequireTls(boolean requireTls) {
			return new Auth(this.required, requireTls, this.maxFailures, this.failureDelay);
		}

		public Auth withMaxFailures(int maxFailures) {
			return new Auth(this.required, this.requireTls, maxFailures, this.failureDelay);
		}

		public Auth withFailureDelay(Duration failureDelay) {
			return new Auth(this.required, this.requireTls, this.maxFailures, failureDelay);
		}

	}

	/**
	 * TLS. The certificate comes with
	 * {@link SmtpServer.Builder#tls(TlsMode, java.util.function.Supplier)}.
	 *
	 * @param mode how TLS is offered, {@code null} for no TLS ({@code ssl.mode})
	 * @param requireStarttls whether only EHLO, NOOP, QUIT and STARTTLS are allowed
	 * before TLS ({@code ssl.require-starttls})
	 * @param handshakeTimeout the longest a TLS handshake may take before the connection
	 * is closed ({@code ssl.handshake-timeout})
	 */
	public record Tls(@Nullable TlsMode mode, boolean requireStarttls, Duration handshakeTimeout) {

		public Tls {
			requirePositive("ssl.handshake-timeout", handshakeTimeout);
		}

		/**
		 * Returns the defaults: no TLS, a 30 second handshake timeout.
		 * @return the defaults
		 */
		public static Tls defaults() {
			return new Tls(null, false, Duration.ofSeconds(30));
		}

		public Tls withMode(@Nullable TlsMode mode) {
			return new Tls(mode, this.requireStarttls, this.handshakeTimeout);
		}

		public Tls withRequireStarttls(boolean requireStarttls) {
			return new Tls(this.mode, requireStarttls, this.handshakeTimeout);
		}

		public Tls withHandshakeTimeout(Duration handshakeTimeout) {
			return new Tls(this.mode, this.requireStarttls, handshakeTimeout);
		}

	}

	/**
	 * The PROXY protocol (v1 text or v2 binary header, HAProxy's specification): when
	 * enabled, every connection must start with a header from a trusted proxy, which
	 * tells the client's address; the greeting waits for it.
	 *
	 * @param enabled whether a PROXY header is expected ({@code proxy-protocol.enabled})
	 * @param timeout how long to wait for the header before closing
	 * ({@code proxy-protocol.timeout})
	 * @param trustedProxies the networks a connection may come from to send a header; a
	 * connection from elsewhere is closed ({@code proxy-protocol.trusted-proxies})
	 */
	public record ProxyProtocol(boolean enabled, Duration timeout, List<Cidr> trustedProxies) {

		public ProxyProtocol {
			requirePositive("proxy-protocol.timeout", timeout);
			trustedProxies = List.copyOf(trustedProxies);
			if (enabled && trustedProxies.isEmpty()) {
				throw new InvalidSettingException("proxy-protocol.trusted-proxies", trustedProxies,
						"Must name at least one network when the PROXY protocol is enabled");
			}
		}

		/**
		 * Returns the defaults: off, a 5 second timeout, loopback trusted
		 * ({@code 127.0.0.0/8}, {@code ::1/128}).
		 * @return the defaults
		 */
		public static ProxyProtocol defaults() {
			return new ProxyProtocol(false, Duration.ofSeconds(5),
					List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")));
		}

		public ProxyProtocol withEnabled(boolean enabled) {
			return new ProxyProtocol(enabled, this.timeout, this.trustedProxies);
		}

		public ProxyProtocol withTimeout(Duration timeout) {
			return new ProxyProtocol(this.enabled, timeout, this.trustedProxies);
		}

		public ProxyProtocol withTrustedProxies(List<Cidr> trustedProxies) {
			return new ProxyProtocol(this.enabled, this.timeout, trustedProxies);
		}

		/**
		 * Returns a copy trusting the given networks, parsed from CIDR notation.
		 * @param trustedProxies the networks, such as {@code 10.0.0.0/8}
		 * @return the copy
		 * @throws InvalidSettingException if one is not a CIDR block
		 */
		public ProxyProtocol withTrustedProxyNetworks(List<String> trustedProxies) {
			List<Cidr> parsed = new ArrayList<>();
			for (String network : trustedProxies) {
				try {
					parsed.add(Cidr.parse(network));
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidSettingException("proxy-protocol.trusted-proxies", network, ex.getMessage());
				}
			}
			return withTrustedProxies(parsed);
		}

		/**
		 * Returns whether a connection from this address may send a header.
		 * @param address the connection's peer address
		 * @return whether it lies in a trusted network
		 */
		public boolean isTrusted(InetAddress address) {
			for (Cidr network : this.trustedProxies) {
				if (network.contains(address)) {
					return true;
				}
			}
			return false;
		}

	}

	/**
	 * How long handler hooks may run and on how many threads. Hooks run on the server's
	 * own pool unless {@link SmtpServer.Builder#hookExecutor} sets an executor; the
	 * thread and queue sizes apply only to the server's pool.
	 *
	 * @param timeout the longest a hook may run before its command is answered
	 * {@code 451 4.3.0} and its thread interrupted; its late result is dropped
	 * ({@code hook-timeout})
	 * @param threads hook threads of the server's pool, {@code 0} for four per processor,
	 * at least eight ({@code hook-executor.threads})
	 * @param queueSize hooks that may wait for a thread of the server's pool; beyond them
	 * a command is answered {@code 451 4.3.2} ({@code hook-executor.queue-size})
	 */
	public record Hooks(Duration timeout, int threads, int queueSize) {

		public Hooks {
			requirePositive("hook-timeout", timeout);
			requireBetween("hook-executor.threads", threads, 0, 32767);
			requireBetween("hook-executor.queue-size", queueSize, 0, Integer.MAX_VALUE);
		}

		/**
		 * Returns the defaults: one minute per hook, four threads per processor (at least
		 * eight), 10,000 queued hooks.
		 * @return the defaults
		 */
		public static Hooks defaults() {
			return new Hooks(Duration.ofMinutes(1), 0, 10_000);
		}

		public Hooks withTimeout(Duration timeout) {
			return new Hooks(timeout, this.threads, this.queueSize);
		}

		public Hooks withThreads(int threads) {
			return new Hooks(this.timeout, threads, this.queueSize);
		}

		public Hooks withQueueSize(int queueSize) {
			return new Hooks(this.timeout, this.threads, queueSize);
		}

	}

	private static void requireBetween(String key, long value, long min, long max) {
		if (value < min || value > max) {
			boolean unbounded = max == Long.MAX_VALUE || max == Integer.MAX_VALUE;
			throw new InvalidSettingException(key, value,
					(!unbounded || value > max) ? "Must be between " + min + " and " + max
							: ((min == 0) ? "Must not be negative" : "Must be at least " + min));
		}
	}

	private static void requirePositive(String key, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new InvalidSettingException(key, value, "Must be positive");
		}
	}

}
