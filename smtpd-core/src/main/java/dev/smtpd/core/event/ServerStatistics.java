package dev.smtpd.core.event;

import java.time.Instant;

/**
 * Totals since a server started.
 *
 * @param startedAt when the server started
 * @param activeSessions sessions open now
 * @param sessions sessions since the start
 * @param messagesAccepted messages answered 2xx after DATA
 * @param messagesRejected messages answered 4xx or 5xx after DATA
 * @param connectionsRefused connections refused over a connection limit or for their
 * PROXY header
 */
public record ServerStatistics(Instant startedAt, int activeSessions, long sessions, long messagesAccepted,
		long messagesRejected, long connectionsRefused) {
}
