package dev.smtpd.autoconfigure.metrics;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.Session;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for an SMTP server, fed by its events. Tags are low-cardinality only:
 * never an address, a login or a host name.
 * <table>
 * <caption>Meters</caption>
 * <tr>
 * <th>name</th>
 * <th>type</th>
 * <th>tags</th>
 * </tr>
 * <tr>
 * <td>{@code smtpd.sessions.active}</td>
 * <td>gauge</td>
 * <td>-</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.sessions}</td>
 * <td>timer</td>
 * <td>{@code end}: quit, disconnect, timeout, limit, error, shutdown, admin</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.commands}</td>
 * <td>counter</td>
 * <td>{@code verb}, {@code reply}: 2xx, 3xx, 4xx, 5xx</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.messages}</td>
 * <td>counter</td>
 * <td>{@code result}: accepted, rejected</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.messages.size}</td>
 * <td>distribution summary (bytes)</td>
 * <td>{@code result}</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.messages.recipients}</td>
 * <td>distribution summary</td>
 * <td>{@code result}</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.auth.attempts}</td>
 * <td>counter</td>
 * <td>{@code mechanism}, {@code outcome}</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.tls.handshakes}</td>
 * <td>counter</td>
 * <td>{@code protocol}, {@code outcome}</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.connections.refused}</td>
 * <td>counter</td>
 * <td>{@code reason}</td>
 * </tr>
 * <tr>
 * <td>{@code smtpd.rate.limited}</td>
 * <td>counter</td>
 * <td>{@code limit}: connections, messages, recipients, auth_attempts, login_messages,
 * login_recipients</td>
 * </tr>
 * </table>
 */
public class SmtpdMetrics implements SmtpServerListener {

	private final AtomicInteger activeSessions = new AtomicInteger();

	private final MeterProvider<Timer> sessions;

	private final MeterProvider<Counter> commands;

	private final MeterProvider<Counter> messages;

	private final MeterProvider<DistributionSummary> messageSizes;

	private final MeterProvider<DistributionSummary> recipients;

	private final MeterProvider<Counter> authAttempts;

	private final MeterProvider<Counter> tlsHandshakes;

	private final MeterProvider<Counter> refused;

	private final Map<RateLimiter.Limit, Counter> rateLimited = new EnumMap<>(RateLimiter.Limit.class);

	/**
	 * Meters used on every command and message, looked up once per tag combination: a
	 * lookup builds tags and hashes the meter id, several times the cost of the
	 * increment. Verbs are the built-in and configured commands and {@code UNKNOWN}, so
	 * these maps stay small.
	 */
	private final Map<String, AtomicReferenceArray<Counter>> commandCounters = new ConcurrentHashMap<>();

	private final Map<String, MessageMeters> messageMeters = new ConcurrentHashMap<>();

	private final Map<SessionEnd, Timer> sessionTimers = new ConcurrentHashMap<>();

	/** Handshake counters by protocol: [0] failure, [1] success. */
	private final Map<String, AtomicReferenceArray<Counter>> handshakeCounters = new ConcurrentHashMap<>();

	/**
	 * Creates the meters in a registry.
	 * @param registry the registry
	 */
	public SmtpdMetrics(MeterRegistry registry) {
		Gauge.builder("smtpd.sessions.active", this.activeSessions, AtomicInteger::get)
			.description("SMTP sessions open now")
			.baseUnit("sessions")
			.register(registry);
		this.sessions = Timer.builder("smtpd.sessions")
			.description("SMTP sessions, by how they ended")
			.withRegistry(registry);
		this.commands = Counter.builder("smtpd.commands")
			.description("SMTP commands answered, by verb and reply class")
			.baseUnit("commands")
			.withRegistry(registry);
		this.messages = Counter.builder("smtpd.messages")
			.description("Messages that reached the end of DATA, accepted or rejected")
			.baseUnit("messages")
			.withRegistry(registry);
		this.messageSizes = DistributionSummary.builder("smtpd.messages.size")
			.description("Size of messages that reached the end of DATA")
			.baseUnit("bytes")
			.withRegistry(registry);
		this.recipients = DistributionSummary.builder("smtpd.messages.recipients")
			.description("Recipients per message")
			.baseUnit("recipients")
			.withRegistry(registry);
		this.authAttempts = Counter.builder("smtpd.auth.attempts")
			.description("AUTH exchanges, by mechanism and outcome")
			.baseUnit("attempts")
			.withRegistry(registry);
		this.tlsHandshakes = Counter.builder("smtpd.tls.handshakes")
			.description("TLS handshakes, by protocol and outcome")
			.baseUnit("handshakes")
			.withRegistry(registry);
		this.refused = Counter.builder("smtpd.connections.refused")
			.description("Connections refused over a connection limit, by reason")
			.baseUnit("connections")
			.withRegistry(registry);
		for (RateLimiter.Limit limit : RateLimiter.Limit.values()) {
			this.rateLimited.put(limit,
					Counter.builder("smtpd.rate.limited")
						.description("Connections and commands refused over a rate limit, by limit")
						.baseUnit("events")
						.tag("limit", limit.tag())
						.register(registry));
		}
	}

	@Override
	public void sessionStarted(Session session) {
		this.activeSessions.incrementAndGet();
	}

	@Override
	public void sessionEnded(Session session, SessionEnd end, Duration duration) {
		this.activeSessions.decrementAndGet();
		this.sessionTimers.computeIfAbsent(end, (key) -> this.sessions.withTags("end", lower(key))).record(duration);
	}

	@Override
	public void commandCompleted(Session session, String verb, int replyCode) {
		int replyClass = replyCode / 100;
		if (replyClass < 1 || replyClass > 5) {
			this.commands.withTags("verb", verb, "reply", replyClass + "xx").increment();
			return;
		}
		AtomicReferenceArray<Counter> byClass = this.commandCounters.computeIfAbsent(verb,
				(key) -> new AtomicReferenceArray<>(6));
		Counter counter = byClass.get(replyClass);
		if (counter == null) {
			counter = this.commands.withTags("verb", verb, "reply", replyClass + "xx");
			byClass.set(replyClass, counter);
		}
		counter.increment();
	}

	@Override
	public void messageCompleted(Session session, Envelope envelope, long size, int replyCode) {
		String result = (replyCode < 400) ? "accepted" : "rejected";
		MessageMeters meters = this.messageMeters.computeIfAbsent(result,
				(key) -> new MessageMeters(this.messages.withTags("result", key),
						this.messageSizes.withTags("result", key), this.recipients.withTags("result", key)));
		meters.count().increment();
		meters.size().record(size);
		meters.recipients().record(envelope.recipients().size());
	}

	@Override
	public void authCompleted(Session session, String mechanism, AuthOutcome outcome) {
		this.authAttempts.withTags("mechanism", mechanism, "outcome", lower(outcome)).increment();
	}

	@Override
	public void tlsHandshakeCompleted(Session session, @Nullable String protocol, boolean success) {
		String tag = (protocol != null) ? protocol : "none";
		AtomicReferenceArray<Counter> byOutcome = this.handshakeCounters.computeIfAbsent(tag,
				(key) -> new AtomicReferenceArray<>(2));
		int outcome = success ? 1 : 0;
		Counter counter = byOutcome.get(outcome);
		if (counter == null) {
			counter = this.tlsHandshakes.withTags("protocol", tag, "outcome", success ? "success" : "failure");
			byOutcome.set(outcome, counter);
		}
		counter.increment();
	}

	@Override
	public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
		this.refused.withTags("reason", lower(reason)).increment();
	}

	@Override
	public void rateLimited(InetSocketAddress peer, RateLimiter.Limit limit) {
		this.rateLimited.get(limit).increment();
	}

	private record MessageMeters(Counter count, DistributionSummary size, DistributionSummary recipients) {
	}

	private static String lower(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

}
