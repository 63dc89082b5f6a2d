package dev.smtpd.core.event;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A live session as an operator sees it. Never holds a secret.
 *
 * @param id the session id
 * @param peer the client's address (the one a PROXY header named, when the connection
 * began with one); {@code 127.0.0.1} port {@code 0} for a client on the Unix domain
 * socket ({@link dev.smtpd.core.handler.Session#UNIX_SOCKET_ADDRESS})
 * @param proxy the proxy's own address (the TCP peer) when the connection began with a
 * PROXY protocol header, else {@code null}
 * @param state where the session is: {@code CONNECTED}, {@code TLS_HANDSHAKE},
 * {@code GREETED}, {@code MAIL}, {@code RCPT}, {@code DATA}, {@code AUTH},
 * {@code CLOSING}
 * @param heloName the HELO/EHLO name, or {@code null}
 * @param tlsProtocol the TLS protocol, or {@code null} without TLS
 * @param login the authenticated login, or {@code null}
 * @param commands commands received so far
 * @param bytesIn bytes received so far
 * @param startedAt when the connection was accepted
 * @param idleFor time since the client last sent anything, or a hook last finished (or
 * since the start)
 * @param unixSocket the server's Unix domain socket when the client connected through it,
 * {@code null} for TCP
 */
public record SessionSnapshot(String id, InetSocketAddress peer, @Nullable InetSocketAddress proxy, String state,
		@Nullable String heloName, @Nullable String tlsProtocol, @Nullable String login, long commands, long bytesIn,
		Instant startedAt, Duration idleFor, @Nullable Path unixSocket) {

	/**
	 * Creates a snapshot of a TCP session.
	 * @param id the session id
	 * @param peer the client's address
	 * @param proxy the proxy's own address when the connection began with a PROXY header,
	 * else {@code null}
	 * @param state where the session is
	 * @param heloName the HELO/EHLO name, or {@code null}
	 * @param tlsProtocol the TLS protocol, or {@code null} without TLS
	 * @param login the authenticated login, or {@code null}
	 * @param commands commands received so far
	 * @param bytesIn bytes received so far
	 * @param startedAt when the connection was accepted
	 * @param idleFor time since the client last sent anything
	 */
	public SessionSnapshot(String id, InetSocketAddress peer, @Nullable InetSocketAddress proxy, String state,
			@Nullable String heloName, @Nullable String tlsProtocol, @Nullable String login, long commands,
			long bytesIn, Instant startedAt, Duration idleFor) {
		this(id, peer, proxy, state, heloName, tlsProtocol, login, commands, bytesIn, startedAt, idleFor, null);
	}

	/**
	 * Returns a copy for a session on the Unix domain socket.
	 * @param unixSocket the server's socket file, or {@code null} for TCP
	 * @return the copy
	 */
	public SessionSnapshot withUnixSocket(@Nullable Path unixSocket) {
		return new SessionSnapshot(this.id, this.peer, this.proxy, this.state, this.heloName, this.tlsProtocol,
				this.login, this.commands, this.bytesIn, this.startedAt, this.idleFor, unixSocket);
	}

}
