package dev.smtpd.core;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.smtpd.core.tls.TlsMode;
import org.jspecify.annotations.Nullable;

/**
 * The immutable settings of an {@link SmtpServer}, built by {@link SmtpServer.Builder}. A limit of
 * {@code 0} is off.
 *
 * @param address the bind address, {@code null} for all interfaces
 * @param port the port, {@code 0} for a free one
 * @param protocol SMTP or LMTP
 * @param hostname the name in the greeting and the EHLO reply
 * @param ident the second part of the greeting
 * @param timeout idle time between commands (and while a reply cannot be written) before 421 and close
 * @param dataTimeout the longest a DATA phase may take, however slowly bytes trickle in
 * @param dataSizeLimit the largest message in bytes, advertised as SIZE
 * @param commandSizeLimit octets of a command line including CRLF
 * @param lineLengthLimit octets of a text line in DATA including CRLF
 * @param localPartLimit the longest local part in octets
 * @param maxRecipients recipients per transaction
 * @param smtputf8 whether to advertise and accept SMTPUTF8
 * @param decodeData whether to also hand the DATA hook the content as a string
 * @param commandCallLimit calls allowed per command per session, unless {@code commandCallLimits} has the verb
 * @param commandCallLimits per-verb call limits, verbs upper-case
 * @param maxUnrecognizedCommands unrecognized commands before {@code 502} and close
 * @param maxConnections connections at once
 * @param maxConnectionsPerAddress connections at once from one client address
 * @param memoryThreshold message bytes kept in memory before spilling to a temporary file
 * @param tempDirectory where spilled messages go, {@code null} for the system's temporary directory
 * @param authRequired whether MAIL, RCPT, DATA, VRFY, HELP and custom commands need AUTH first
 * @param authRequireTls whether AUTH is offered only over TLS
 * @param authMaxFailures failed AUTH attempts per client address before {@code 421} and close
 * @param authFailureDelay the delay before answering the first failed AUTH; it doubles with each failure
 * @param tlsMode how TLS is offered, {@code null} for no TLS
 * @param requireStarttls whether only EHLO, HELO, NOOP, RSET, QUIT and STARTTLS are allowed before TLS
 * @param tlsHandshakeTimeout the longest a TLS handshake may take before the connection is closed
 * @param ioThreads event loop threads, {@code 0} for half the available processors, at least one
 * @param nativeTransport whether Netty's native epoll transport is used when it is on the class path
 * (Linux, {@code netty-transport-native-epoll}); NIO otherwise
 */
public record SmtpServerConfig(@Nullable InetAddress address, int port, Protocol protocol, String hostname,
		String ident, Duration timeout, Duration dataTimeout, long dataSizeLimit, int commandSizeLimit,
		int lineLengthLimit, int localPartLimit, int maxRecipients, boolean smtputf8, boolean decodeData,
		int commandCallLimit, Map<String, Integer> commandCallLimits, int maxUnrecognizedCommands,
		int maxConnections, int maxConnectionsPerAddress, int memoryThreshold, @Nullable Path tempDirectory, boolean authRequired,
		boolean authRequireTls, int authMaxFailures, Duration authFailureDelay, @Nullable TlsMode tlsMode,
		boolean requireStarttls, Duration tlsHandshakeTimeout, int ioThreads, boolean nativeTransport) {

	public SmtpServerConfig {
		requireRange("port", port, 0, 65535);
		requirePositive("timeout", timeout);
		requirePositive("dataTimeout", dataTimeout);
		if (dataSizeLimit < 0) {
			throw new IllegalArgumentException("dataSizeLimit must not be negative");
		}
		requireRange("commandSizeLimit", commandSizeLimit, 512, 1 << 20);
		requireRange("lineLengthLimit", lineLengthLimit, 1001, 1 << 20);
		requireRange("localPartLimit", localPartLimit, 0, 1 << 16);
		requireRange("maxRecipients", maxRecipients, 1, Integer.MAX_VALUE);
		requireRange("commandCallLimit", commandCallLimit, 0, Integer.MAX_VALUE);
		commandCallLimits.forEach((verb, limit) -> requireRange("commandCallLimits." + verb, limit, 1,
				Integer.MAX_VALUE));
		requireRange("maxUnrecognizedCommands", maxUnrecognizedCommands, 1, Integer.MAX_VALUE);
		requireRange("maxConnections", maxConnections, 0, Integer.MAX_VALUE);
		requireRange("maxConnectionsPerAddress", maxConnectionsPerAddress, 0, Integer.MAX_VALUE);
		requireRange("memoryThreshold", memoryThreshold, 0, Integer.MAX_VALUE);
		requireRange("authMaxFailures", authMaxFailures, 0, Integer.MAX_VALUE);
		if (authFailureDelay.isNegative()) {
			throw new IllegalArgumentException("authFailureDelay must not be negative");
		}
		requirePositive("tlsHandshakeTimeout", tlsHandshakeTimeout);
		requireRange("ioThreads", ioThreads, 0, 1024);
		if (protocol == Protocol.LMTP) {
			throw new IllegalArgumentException("LMTP is not implemented yet");
		}
		if (requireStarttls && tlsMode != TlsMode.STARTTLS) {
			throw new IllegalArgumentException("requireStarttls needs TLS in STARTTLS mode");
		}
		if (hostname.isBlank() || hostname.chars().anyMatch((c) -> c <= ' ' || c > '~')) {
			throw new IllegalArgumentException("hostname must be printable ASCII without spaces: '" + hostname + "'");
		}
		if (ident.chars().anyMatch((c) -> c < ' ' || c > '~')) {
			throw new IllegalArgumentException("ident must be printable ASCII");
		}
		commandCallLimits = Map.copyOf(commandCallLimits);
	}

	/**
	 * Returns the call limit for a verb.
	 * @param verb the upper-case verb
	 * @return the limit, {@code 0} for none
	 */
	public int commandCallLimit(String verb) {
		return this.commandCallLimits.getOrDefault(verb, this.commandCallLimit);
	}

	private static void requireRange(String name, long value, long min, long max) {
		if (value < min || value > max) {
			throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value);
		}
	}

	private static void requirePositive(String name, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be positive, not " + value);
		}
	}

}
