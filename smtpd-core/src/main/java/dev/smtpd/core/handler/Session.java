package dev.smtpd.core.handler;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What the server knows of one client connection. Read it in hooks; store per-session
 * data of your own in {@link #attributes()}.
 */
public interface Session {

	/**
	 * Returns the session's id, unique within this server.
	 * @return the id
	 */
	String id();

	/**
	 * Returns the client's address: the real peer, or the source a trusted PROXY header
	 * gave.
	 * @return the client address
	 */
	InetSocketAddress peerAddress();

	/**
	 * Returns the server's address of this connection.
	 * @return the local address
	 */
	InetSocketAddress localAddress();

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
