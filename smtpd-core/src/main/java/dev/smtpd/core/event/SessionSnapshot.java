package dev.smtpd.core.event;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A live session as an operator sees it. Never holds a secret.
 *
 * @param id the session id
 * @param peer the client's address
 * @param proxySource the client's address as told by a PROXY protocol header, or
 * {@code null}
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
 */
public record SessionSnapshot(String id, InetSocketAddress peer, @Nullable InetSocketAddress proxySource, String state,
		@Nullable String heloName, @Nullable String tlsProtocol, @Nullable String login, long commands, long bytesIn,
		Instant startedAt, Duration idleFor) {
}
