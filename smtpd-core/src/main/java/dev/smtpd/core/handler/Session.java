package dev.smtpd.core.handler;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What the server knows of one client connection. Read it in hooks; store per-session
 * data of your own in {@link #attributes()}.
 * <p>
 * A client may connect over TCP or through the server's Unix domain socket. A Unix peer
 * has no IP address, yet {@link #peerAddress()} and {@link #localAddress()} are never
 * {@code null}: both are {@link #UNIX_SOCKET_ADDRESS} ({@code 127.0.0.1} port {@code 0}),
 * since the client runs on this host. So code that reads
 * {@code peerAddress().getAddress()} keeps working, and rules that trust the loopback
 * address trust a Unix peer too (the socket file's permissions decide who may connect).
 * {@link #unixSocketPath()} tells the two apart.
 */
public interface Session {

	/**
	 * Returns the session's id, unique within this server.
	 * @return the id
	 */
	String id();

	/**
	 * The address a connection through a Unix domain socket gets as its
	 * {@link #peerAddress()} and {@link #localAddress()}: {@code 127.0.0.1}, port
	 * {@code 0} (no TCP connection has port 0).
	 */
	InetSocketAddress UNIX_SOCKET_ADDRESS = new InetSocketAddress("127.0.0.1", 0); // a
																					// literal:
																					// no
																					// lookup

	/**
	 * Returns the client's address: the real peer, or the source a trusted PROXY header
	 * gave; {@link #UNIX_SOCKET_ADDRESS} for a client on the Unix domain socket.
	 * @return the client address
	 */
	InetSocketAddress peerAddress();

	/**
	 * Returns the PROXY protocol header the connection began with, when
	 * {@code smtpd.proxy-protocol.enabled} is on; {@link ProxyInfo#proxy()} is then the
	 * proxy's own address.
	 * @return the header, or {@code null} without the PROXY protocol
	 */
	default @Nullable ProxyInfo proxy() {
		return null;
	}

	/**
	 * Returns the server's address of this connection; {@link #UNIX_SOCKET_ADDRESS} for a
	 * client on the Unix domain socket.
	 * @return the local address
	 */
	InetSocketAddress localAddress();

	/**
	 * Returns the path of the server's Unix domain socket when the client connected
	 * through it, {@code null} for a TCP connection.
	 * @return the socket file, or {@code null}
	 */
	default @Nullable Path unixSocketPath() {
		return null;
	}

	/**
	 * Returns when the connection was accepted.
	 * @return the start instant
	 */
	Instant startedAt();

	/**
	 * Returns the name given in the last HELO, EHLO or LHLO, or {@code null} before it.
	 * @return the client's host name
	 */
	@Nullable String heloName();

	/**
	 * Returns whether the client greeted with EHLO (or LHLO) and so may use extensions.
	 * @return whether extended SMTP is in use
	 */
	boolean isExtended();

	/**
	 * Returns whether the session speaks LMTP (RFC 2033, {@code smtpd.protocol=lmtp})
	 * rather than SMTP.
	 * @return whether this is an LMTP session
	 */
	default boolean isLmtp() {
		return false;
	}

	/**
	 * Returns the TLS details once TLS is active, else {@code null}.
	 * @return the TLS details
	 */
	@Nullable TlsInfo tls();

	/**
	 * Returns whether the client has authenticated.
	 * @return whether AUTH succeeded
	 */
	default boolean isAuthenticated() {
		return login() != null;
	}

	/**
	 * Returns the identity AUTH established, or {@code null}.
	 * @return the authenticated login
	 */
	@Nullable String login();

	/**
	 * Returns what the authenticator attached to a successful AUTH, or {@code null}.
	 * @return the authentication data
	 */
	@Nullable Object authData();

	/**
	 * Returns the mutable attributes of this session, for hooks to share per-session
	 * state.
	 * @return the attributes
	 */
	Map<String, Object> attributes();

}
