package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.TlsInfo;
import org.jspecify.annotations.Nullable;

/**
 * The engine's view of a session. Written by the event loop and, while a hook runs, read
 * by the hook thread; the hand-over through the executor orders the two.
 */
final class SessionState implements Session {

	private final boolean lmtp;

	private final String id;

	private final InetSocketAddress peerAddress;

	private final InetSocketAddress localAddress;

	private final Instant startedAt = Instant.now();

	private @Nullable Map<String, Object> attributes;

	private @Nullable String heloName;

	private boolean extended;

	private @Nullable TlsInfo tls;

	private @Nullable String login;

	private @Nullable Object authData;

	private final @Nullable Path unixSocketPath;

	private final @Nullable ProxyInfo proxy;

	/** Set by a DropConnectionException: DATA octets to read before the drop. */
	private long dropAfterDataOctets;

	/**
	 * Creates the state of a session on a TCP connection, or on the Unix domain socket
	 * when the channel's addresses are not IP addresses.
	 * @param id the session id
	 * @param peerAddress the channel's remote address
	 * @param localAddress the channel's local address
	 * @param unixSocketPath the server's Unix domain socket, if it has one
	 * @param proxy the PROXY header the connection began with, if any: its source becomes
	 * the peer address
	 */
	SessionState(String id, SocketAddress peerAddress, SocketAddress localAddress, @Nullable Path unixSocketPath,
			@Nullable ProxyInfo proxy, boolean lmtp) {
		this.id = id;
		this.lmtp = lmtp;
		InetSocketAddress source = (proxy != null) ? proxy.source() : null;
		this.peerAddress = (source != null) ? source : inetAddress(peerAddress);
		this.localAddress = inetAddress(localAddress);
		this.unixSocketPath = (localAddress instanceof InetSocketAddress) ? null : unixSocketPath;
		this.proxy = proxy;
	}

	/**
	 * Returns a channel's address as the SPI gives it: an IP address as it is, any other
	 * (a Unix domain socket's) as {@link Session#UNIX_SOCKET_ADDRESS}.
	 * @param address the channel's address
	 * @return the address
	 */
	static InetSocketAddress inetAddress(@Nullable SocketAddress address) {
		return (address instanceof InetSocketAddress inet) ? inet : Session.UNIX_SOCKET_ADDRESS;
	}

	@Override
	public boolean isLmtp() {
		return this.lmtp;
	}

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public InetSocketAddress peerAddress() {
		return this.peerAddress;
	}

	@Override
	public @Nullable ProxyInfo proxy() {
		return this.proxy;
	}

	@Override
	public InetSocketAddress localAddress() {
		return this.localAddress;
	}

	@Override
	public @Nullable Path unixSocketPath() {
		return this.unixSocketPath;
	}

	@Override
	public Instant startedAt() {
		return this.startedAt;
	}

	@Override
	public @Nullable String heloName() {
		return this.heloName;
	}

	@Override
	public boolean isExtended() {
		return this.extended;
	}

	void greeted(@Nullable String heloName, boolean extended) {
		this.heloName = heloName;
		this.extended = extended;
	}

	@Override
	public @Nullable TlsInfo tls() {
		return this.tls;
	}

	void tls(@Nullable TlsInfo tls) {
		this.tls = tls;
	}

	@Override
	public @Nullable String login() {
		return this.login;
	}

	@Override
	public @Nullable Object authData() {
		return this.authData;
	}

	void authenticated(@Nullable String login, @Nullable Object authData) {
		this.login = login;
		this.authData = authData;
	}

	@Override
	public Map<String, Object> attributes() {
		Map<String, Object> attributes = this.attributes;
		if (attributes == null) { // most sessions never use them
			attributes = new HashMap<>();
			this.attributes = attributes;
		}
		return attributes;
	}

	@Override
	public String toString() {
		return "Session[" + this.id + " "
				+ ((this.unixSocketPath != null) ? "unix:" + this.unixSocketPath : this.peerAddress)
				+ ((this.proxy != null) ? " via " + this.proxy.proxy() : "") + "]";
	}

	/**
	 * Notes how many DATA octets a handler that drops the connection wants read first.
	 * @param octets the octets, {@code 0} for none
	 */
	void dropAfterDataOctets(long octets) {
		this.dropAfterDataOctets = octets;
	}

	/**
	 * Returns and forgets how many DATA octets to read before a drop.
	 * @return the octets, {@code 0} for none
	 */
	long takeDropAfterDataOctets() {
		long octets = this.dropAfterDataOctets;
		this.dropAfterDataOctets = 0;
		return octets;
	}

}
