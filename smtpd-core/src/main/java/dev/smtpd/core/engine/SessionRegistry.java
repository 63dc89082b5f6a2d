package dev.smtpd.core.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.smtpd.core.event.ServerStatistics;
import dev.smtpd.core.event.SessionSnapshot;
import org.jspecify.annotations.Nullable;

/**
 * The live sessions of a server, for its admin operations: list, describe, close, shut
 * down, count. Each operation runs on the session's own event loop. Public for
 * {@link dev.smtpd.core.SmtpServer}; not an API.
 */
public final class SessionRegistry {

	private final ServerContext server;

	private final ConnectionLimiter limiter;

	private final Map<String, SessionContext> sessions = new ConcurrentHashMap<>();

	SessionRegistry(ServerContext server, ConnectionLimiter limiter) {
		this.server = server;
		this.limiter = limiter;
	}

	void register(SessionContext session) {
		this.sessions.put(session.session().id(), session);
	}

	void unregister(SessionContext session) {
		this.sessions.remove(session.session().id());
	}

	/**
	 * Returns the number of open connections.
	 * @return the count
	 */
	public int activeConnections() {
		return this.limiter.activeConnections();
	}

	/**
	 * Returns how many connections were refused for being over a limit.
	 * @return the count
	 */
	public int refusedConnections() {
		return this.limiter.refusedConnections();
	}

	/**
	 * Asks every session to end: idle ones get {@code 421} now, others once their
	 * transaction is over. Returns at once.
	 */
	public void shutdownSessions() {
		for (SessionContext session : this.sessions.values()) {
			session.ctx().executor().execute(session::shutdown);
		}
	}

	/**
	 * Closes every session at once.
	 */
	public void closeSessions() {
		for (SessionContext session : this.sessions.values()) {
			session.ctx().executor().execute(session::closeNow);
		}
	}

	/**
	 * Returns a snapshot of every live session, each taken on its own event loop.
	 * @return the sessions, oldest first
	 */
	public List<SessionSnapshot> sessions() {
		List<Future<SessionSnapshot>> futures = new ArrayList<>();
		for (SessionContext session : this.sessions.values()) {
			futures.add(session.ctx().executor().submit(() -> snapshot(session)));
		}
		List<SessionSnapshot> snapshots = new ArrayList<>(futures.size());
		for (Future<SessionSnapshot> future : futures) {
			SessionSnapshot snapshot = await(future);
			if (snapshot != null) {
				snapshots.add(snapshot);
			}
		}
		snapshots.sort(Comparator.comparing(SessionSnapshot::id));
		return snapshots;
	}

	/**
	 * Returns a snapshot of one live session.
	 * @param id the session id
	 * @return the snapshot, or {@code null} if no such session is open
	 */
	public @Nullable SessionSnapshot session(String id) {
		SessionContext session = this.sessions.get(id);
		return (session != null) ? await(session.ctx().executor().submit(() -> snapshot(session))) : null;
	}

	private static SessionSnapshot snapshot(SessionContext session) {
		SessionSnapshot snapshot = session.snapshot();
		Path unixSocket = session.session().unixSocketPath();
		return (unixSocket != null) ? snapshot.withUnixSocket(unixSocket) : snapshot;
	}

	/**
	 * Answers one session {@code 421} and closes it.
	 * @param id the session id
	 * @return whether such a session was open
	 */
	public boolean closeSession(String id) {
		SessionContext session = this.sessions.get(id);
		if (session == null) {
			return false;
		}
		session.ctx().executor().execute(session::closeByAdmin);
		return true;
	}

	/**
	 * Returns the totals since the start.
	 * @return the statistics
	 */
	public ServerStatistics statistics() {
		return new ServerStatistics(this.server.startedAt(), this.limiter.activeConnections(),
				this.server.sessionsStarted(), this.server.messagesAccepted(), this.server.messagesRejected(),
				this.limiter.refusedConnections());
	}

	private static @Nullable SessionSnapshot await(Future<SessionSnapshot> future) {
		try {
			return future.get(2, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (ExecutionException | TimeoutException ex) {
			return null;
		}
	}

	/**
	 * Waits until no session is left or the time is up.
	 * @param timeout the longest to wait
	 * @return whether every session ended
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitSessions(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!this.sessions.values().isEmpty()) {
			if (System.nanoTime() >= deadline) {
				return false;
			}
			Thread.sleep(10);
		}
		return true;
	}

}
