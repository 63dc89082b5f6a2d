package dev.smtpd.autoconfigure.actuate;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.event.ServerStatistics;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.handler.RateLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code smtpd} actuator endpoint: the server and its live sessions
 * ({@code GET /actuator/smtpd}), one session ({@code GET /actuator/smtpd/{id}}), and
 * closing a session with {@code 421} ({@code DELETE /actuator/smtpd/{id}}). Never shows a
 * secret.
 */
@Endpoint(id = "smtpd")
public class SmtpdEndpoint {

	private final SmtpServer server;

	private final @Nullable String tlsMode;

	/**
	 * Creates the endpoint.
	 * @param server the server
	 */
	public SmtpdEndpoint(SmtpServer server) {
		this.server = server;
		TlsMode mode = server.config().tls().mode();
		this.tlsMode = (mode != null) ? mode.name().toLowerCase(java.util.Locale.ROOT) : null;
	}

	/**
	 * Describes the server and its sessions.
	 * @return the description
	 */
	@ReadOperation
	public ServerDescriptor smtpd() {
		SmtpServerConfig config = this.server.config();
		boolean running = this.server.isRunning();
		ServerStatistics statistics = running ? this.server.statistics() : null;
		Map<String, Object> limits = new LinkedHashMap<>();
		limits.put("dataSizeLimit", config.limits().dataSizeLimit());
		limits.put("commandSizeLimit", config.limits().commandSizeLimit());
		limits.put("lineLengthLimit", config.limits().lineLengthLimit());
		limits.put("maxRecipients", config.limits().maxRecipients());
		limits.put("maxConnections", config.limits().maxConnections());
		limits.put("maxConnectionsPerAddress", config.limits().maxConnectionsPerAddress());
		limits.put("timeout", config.timeouts().timeout().toString());
		limits.put("dataTimeout", config.timeouts().dataTimeout().toString());
		limits.put("maxUnrecognizedCommands", config.limits().maxUnrecognizedCommands());
		limits.put("commandCallLimit", config.limits().commandCallLimit());
		limits.put("commandCallLimits", config.limits().commandCallLimits());
		Totals totals = (statistics != null) ? new Totals(statistics.sessions(), statistics.messagesAccepted(),
				statistics.messagesRejected(), statistics.connectionsRefused()) : null;
		InetSocketAddress address = running ? this.server.address() : null;
		Path unixSocket = running ? this.server.unixSocketPath() : null;
		return new ServerDescriptor((address != null) ? address.getAddress().getHostAddress() : null,
				(address != null) ? address.getPort() : null, (unixSocket != null) ? unixSocket.toString() : null,
				config.protocol().name().toLowerCase(java.util.Locale.ROOT), this.tlsMode, config.hostname(), running,
				(statistics != null) ? statistics.startedAt() : null,
				(statistics != null) ? Duration.between(statistics.startedAt(), Instant.now()).toSeconds() : null,
				limits, totals, this.server.sessions().stream().map(SessionDescriptor::of).toList(),
				RateLimitDescriptor.of(this.server.rateLimiter()));
	}

	/**
	 * Describes one session.
	 * @param id the session id
	 * @return the session, or {@code null} (404) if no such session is open
	 */
	@ReadOperation
	public @Nullable SessionDescriptor session(@Selector String id) {
		return this.server.session(id).map(SessionDescriptor::of).orElse(null);
	}

	/**
	 * Answers a session {@code 421 4.3.2} and closes it.
	 * @param id the session id
	 * @return whether it was open
	 */
	@DeleteOperation
	public CloseDescriptor close(@Selector String id) {
		return new CloseDescriptor(id, this.server.closeSession(id));
	}

	/**
	 * The server.
	 *
	 * @param address the bound address, {@code null} when not running or without a TCP
	 * listener
	 * @param port the bound port, {@code null} when not running or without a TCP listener
	 * @param unixSocket the Unix domain socket's path, {@code null} when not running or
	 * without one
	 * @param protocol {@code smtp} or {@code lmtp}
	 * @param tls {@code starttls}, {@code implicit}, or {@code null}
	 * @param hostname the name in the greeting
	 * @param running whether it accepts connections
	 * @param startedAt when it started
	 * @param uptimeSeconds seconds since the start
	 * @param limits the limits in force
	 * @param totals totals since the start
	 * @param sessions the live sessions
	 * @param rateLimit the rate limiter's state, {@code null} when there is none
	 */
	public record ServerDescriptor(@Nullable String address, @Nullable Integer port, @Nullable String unixSocket,
			String protocol, @Nullable String tls, String hostname, boolean running, @Nullable Instant startedAt,
			@Nullable Long uptimeSeconds, Map<String, Object> limits, @Nullable Totals totals,
			List<SessionDescriptor> sessions,
			@Nullable RateLimitDescriptor rateLimit) implements OperationResponseBody {
	}

	/**
	 * The rate limiter's state.
	 *
	 * @param perMinute the limits in force, by name, events per minute
	 * @param tracked counters kept now, one per client and limit
	 * @param limited the clients over a limit now (the most recent ones)
	 */
	public record RateLimitDescriptor(Map<String, Integer> perMinute, int tracked, List<LimitedDescriptor> limited) {

		static @Nullable RateLimitDescriptor of(@Nullable RateLimiter limiter) {
			if (limiter == null) {
				return null;
			}
			RateLimiter.Status status = limiter.status();
			Map<String, Integer> perMinute = new TreeMap<>();
			status.perMinute().forEach((limit, events) -> perMinute.put(limit.tag(), events));
			return new RateLimitDescriptor(perMinute, status.tracked(),
					status.limited()
						.stream()
						.map((limited) -> new LimitedDescriptor(limited.limit().tag(), limited.client(),
								limited.retryAfter().toMillis() / 1000.0))
						.toList());
		}

	}

	/**
	 * A client over a rate limit.
	 *
	 * @param limit the limit, such as {@code messages} or {@code login_recipients}
	 * @param client the client's address, or its login for a per-login limit
	 * @param retryAfterSeconds seconds until it may go on
	 */
	public record LimitedDescriptor(String limit, String client, double retryAfterSeconds) {
	}

	/**
	 * Totals since the start.
	 *
	 * @param sessions sessions accepted
	 * @param messagesAccepted messages answered 2xx after DATA
	 * @param messagesRejected messages answered 4xx/5xx after DATA
	 * @param connectionsRefused connections refused over a limit or for their PROXY
	 * header
	 */
	public record Totals(long sessions, long messagesAccepted, long messagesRejected, long connectionsRefused) {
	}

	/**
	 * One live session.
	 *
	 * @param id the id
	 * @param peer the client's address and port (the one its PROXY header named, if any),
	 * or {@code unix:} and the socket's path for a client on the Unix domain socket
	 * @param proxy the proxy's own address and port when the connection began with a
	 * PROXY header, else {@code null}
	 * @param state where the session is
	 * @param heloName the HELO/EHLO name
	 * @param tlsProtocol the TLS protocol, or {@code null}
	 * @param login the authenticated login, or {@code null}
	 * @param commands commands so far
	 * @param bytesIn bytes received so far
	 * @param startedAt when it began
	 * @param idleSeconds seconds since the last command
	 */
	public record SessionDescriptor(String id, String peer, @Nullable String proxy, String state,
			@Nullable String heloName, @Nullable String tlsProtocol, @Nullable String login, long commands,
			long bytesIn, Instant startedAt, double idleSeconds) implements OperationResponseBody {

		static SessionDescriptor of(SessionSnapshot session) {
			return new SessionDescriptor(session.id(),
					(session.unixSocket() != null) ? "unix:" + session.unixSocket() : hostAndPort(session.peer()),
					(session.proxy() != null) ? hostAndPort(session.proxy()) : null, session.state(),
					session.heloName(), session.tlsProtocol(), session.login(), session.commands(), session.bytesIn(),
					session.startedAt(), session.idleFor().toMillis() / 1000.0);
		}

		private static String hostAndPort(InetSocketAddress address) {
			return address.getAddress().getHostAddress() + ":" + address.getPort();
		}

	}

	/**
	 * The outcome of closing a session.
	 *
	 * @param id the session id
	 * @param closed whether such a session was open and is being closed
	 */
	public record CloseDescriptor(String id, boolean closed) implements OperationResponseBody {
	}

}
