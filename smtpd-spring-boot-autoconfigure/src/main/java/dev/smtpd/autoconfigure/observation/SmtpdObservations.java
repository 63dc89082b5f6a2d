package dev.smtpd.autoconfigure.observation;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.Session;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Turns server events into Micrometer observations: one per session, and one per mail
 * transaction (from an accepted MAIL to the end of DATA, RSET, a new greeting or the end
 * of the session) as its child. Answered commands become events ({@code "MAIL 250"}) on
 * the innermost observation, so with a tracer each message is a span with its commands as
 * events. Without a tracer only refused commands (a {@code 4xx} or {@code 5xx} reply) are
 * events: {@code smtpd.commands} counts them all already, and an event per command, which
 * Spring Boot's meter handler turns into a counter lookup, cost more CPU than the rest of
 * a pipelined message.
 */
public class SmtpdObservations implements SmtpServerListener {

	private static final SmtpSessionObservationConvention DEFAULT_SESSION = new DefaultSmtpSessionObservationConvention();

	private static final SmtpTransactionObservationConvention DEFAULT_TRANSACTION = new DefaultSmtpTransactionObservationConvention();

	private final ObservationRegistry registry;

	private final @Nullable SmtpSessionObservationConvention sessionConvention;

	private final @Nullable SmtpTransactionObservationConvention transactionConvention;

	private final Map<String, Observed> sessions = new ConcurrentHashMap<>();

	private final boolean allCommandEvents;

	/**
	 * Creates the observations, with every answered command as an event.
	 * @param registry the registry
	 * @param sessionConvention a custom session convention, or {@code null} for the
	 * default
	 * @param transactionConvention a custom transaction convention, or {@code null} for
	 * the default
	 */
	public SmtpdObservations(ObservationRegistry registry, @Nullable SmtpSessionObservationConvention sessionConvention,
			@Nullable SmtpTransactionObservationConvention transactionConvention) {
		this(registry, sessionConvention, transactionConvention, true);
	}

	/**
	 * Creates the observations.
	 * @param registry the registry
	 * @param sessionConvention a custom session convention, or {@code null} for the
	 * default
	 * @param transactionConvention a custom transaction convention, or {@code null} for
	 * the default
	 * @param allCommandEvents whether every answered command is an event ({@code true},
	 * for tracing), or only refused ones
	 */
	public SmtpdObservations(ObservationRegistry registry, @Nullable SmtpSessionObservationConvention sessionConvention,
			@Nullable SmtpTransactionObservationConvention transactionConvention, boolean allCommandEvents) {
		this.registry = registry;
		this.sessionConvention = sessionConvention;
		this.transactionConvention = transactionConvention;
		this.allCommandEvents = allCommandEvents;
	}

	@Override
	public void sessionStarted(Session session) {
		// The context is made only for the observation to keep: one that is turned off
		// drops it
		// (its concurrent maps are much of what an observed idle session costs).
		Observation observation = Observation
			.createNotStarted(this.sessionConvention, DEFAULT_SESSION, () -> new SmtpSessionContext(session),
					this.registry)
			.start();
		this.sessions.put(session.id(), new Observed(observation));
	}

	@Override
	public void commandCompleted(Session session, String verb, int replyCode) {
		Observed observed = this.sessions.get(session.id());
		if (observed == null) {
			return;
		}
		boolean positive = replyCode < 400;
		if (verb.equals("MAIL") && positive && observed.transaction == null) {
			observed.transaction = Observation
				.createNotStarted(this.transactionConvention, DEFAULT_TRANSACTION,
						() -> new SmtpTransactionContext(session), this.registry)
				.parentObservation(observed.session)
				.start();
		}
		else if (verb.equals("RCPT") && positive) {
			SmtpTransactionContext context = observed.transactionContext();
			if (context != null) {
				context.setRecipients(context.getRecipients() + 1);
			}
		}
		if (this.allCommandEvents || !positive) {
			// the innermost observation that records anything: the session's if
			// transactions are off
			Observation current = (observed.transaction != null && !observed.transaction.isNoop())
					? observed.transaction : observed.session;
			current.event(Observation.Event.of(verb, verb + " " + replyCode));
		}
		// only a command that was carried out ends the transaction ("RSET now" gets 501)
		if (positive && (verb.equals("RSET") || verb.equals("EHLO") || verb.equals("HELO") || verb.equals("LHLO")
				|| verb.equals("STARTTLS"))) {
			observed.endTransaction();
		}
	}

	@Override
	public void messageCompleted(Session session, Envelope envelope, long size, int replyCode) {
		Observed observed = this.sessions.get(session.id());
		if (observed != null && observed.transaction != null) {
			SmtpTransactionContext context = observed.transactionContext();
			if (context != null) {
				context.setRecipients(envelope.recipients().size());
				context.setSize(size);
				context.setReplyCode(replyCode);
			}
			if (this.allCommandEvents || replyCode >= 400) {
				observed.transaction.event(Observation.Event.of("DATA", "DATA " + replyCode));
			}
			observed.endTransaction();
		}
	}

	@Override
	public void sessionEnded(Session session, SessionEnd end, Duration duration) {
		Observed observed = this.sessions.remove(session.id());
		if (observed != null) {
			observed.endTransaction();
			if (observed.session.getContext() instanceof SmtpSessionContext context) {
				context.setEnd(end);
			}
			observed.session.stop();
		}
	}

	/**
	 * The observations of one session; used from that session's event loop only. Their
	 * contexts are read from the observations, so one that is turned off (a no-op) holds
	 * none.
	 */
	private static final class Observed {

		private final Observation session;

		private @Nullable Observation transaction;

		Observed(Observation session) {
			this.session = session;
		}

		@Nullable SmtpTransactionContext transactionContext() {
			return (this.transaction != null && this.transaction.getContext() instanceof SmtpTransactionContext context)
					? context : null;
		}

		void endTransaction() {
			if (this.transaction != null) {
				SmtpTransactionContext context = transactionContext();
				if (context != null) {
					context.setEnded();
				}
				this.transaction.stop();
				this.transaction = null;
			}
		}

	}

}
