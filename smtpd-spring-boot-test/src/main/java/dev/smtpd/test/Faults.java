package dev.smtpd.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * The faults a {@link MailCatcher} injects, so that a test can see how the code under
 * test copes with refusals, slow replies and lost connections. Faults apply in the order
 * they were added (the first that matches decides) and once each unless told otherwise;
 * {@link #reset()} (done between tests) removes them. Each fault that applies is
 * {@linkplain #triggered() recorded}; the catcher's {@linkplain MailCatcher#transcript()
 * transcript} shows what the client did next. <pre class="code">
 * faults.on(FaultPoint.RCPT, "x@example.com").reply("452 4.2.2 Mailbox full");
 * faults.on(FaultPoint.DATA).reply("451 4.3.0 Try again later").times(2);
 * faults.on(FaultPoint.DATA).dropConnection();
 * faults.on(FaultPoint.DATA_START).dropConnectionAfter(64 * 1024);
 * faults.on(FaultPoint.MAIL).after(Duration.ofSeconds(2)).proceed();
 * </pre>
 */
public final class Faults {

	private static final Reply AUTH_REQUIRED = Reply.of(530, "5.7.0", "Authentication required");

	private static final Reply STARTTLS_REQUIRED = Reply.of(530, "5.7.0", "Must issue a STARTTLS command first");

	private final List<Fault> faults = new CopyOnWriteArrayList<>();

	private final List<TriggeredFault> triggered = new CopyOnWriteArrayList<>();

	/**
	 * Starts a fault for every command at a point.
	 * @param point where it applies
	 * @return the fault to complete with its effect
	 */
	public Rule on(FaultPoint point) {
		return new Rule(point, null, (session) -> true);
	}

	/**
	 * Starts a fault for the commands at a point that carry an address (MAIL, RCPT) or a
	 * name (EHLO).
	 * @param point where it applies
	 * @param argument the address or name, compared ignoring case
	 * @return the fault to complete with its effect
	 */
	public Rule on(FaultPoint point, String argument) {
		return new Rule(point, argument, (session) -> true);
	}

	/**
	 * Refuses every connection with {@code 421 4.3.2} until reset.
	 * @return the fault
	 */
	public Fault refuseConnections() {
		return on(FaultPoint.CONNECT).reply(Reply.of(421, "4.3.2", "Service not available")).always();
	}

	/**
	 * Answers MAIL {@code 530 5.7.0} until the client authenticated, until reset. The
	 * catcher offers AUTH PLAIN and LOGIN, also without TLS.
	 * @return the fault
	 */
	public Fault requireAuth() {
		return new Rule(FaultPoint.MAIL, null, (session) -> !session.isAuthenticated()).reply(AUTH_REQUIRED).always();
	}

	/**
	 * Answers MAIL {@code 530 5.7.0} until the client started TLS, until reset. Needs a
	 * catcher with TLS ({@link MailCatcher.Builder#tls}).
	 * @return the fault
	 */
	public Fault requireStarttls() {
		return new Rule(FaultPoint.MAIL, null, (session) -> session.tls() == null).reply(STARTTLS_REQUIRED).always();
	}

	/**
	 * Accepts a message only after {@code count} failures: the first {@code count}
	 * messages are answered {@code 451 4.3.0} after their final dot.
	 * @param count how many messages fail
	 * @return the fault
	 */
	public Fault failFirst(int count) {
		return on(FaultPoint.DATA).reply(Reply.of(451, "4.3.0", "Try again later")).times(count);
	}

	/**
	 * Returns the faults that applied, in order.
	 * @return the record
	 */
	public List<TriggeredFault> triggered() {
		return List.copyOf(this.triggered);
	}

	/**
	 * Returns the faults registered and not yet removed.
	 * @return the faults
	 */
	public List<Fault> registered() {
		return List.copyOf(this.faults);
	}

	/**
	 * Removes every fault and forgets what was triggered.
	 */
	public void reset() {
		this.faults.clear();
		this.triggered.clear();
	}

	/**
	 * Takes the first fault that applies to a command.
	 * @return the fault, or {@code null}
	 */
	@Nullable Fault take(FaultPoint point, Session session, @Nullable String argument) {
		for (Fault fault : this.faults) {
			if (fault.take(point, session, argument)) {
				return fault;
			}
		}
		return null;
	}

	void record(Fault fault, Session session, @Nullable String argument) {
		String outcome = switch (fault.action()) {
			case REPLY -> String.valueOf(fault.reply());
			case DROP -> TriggeredFault.DROPPED;
			case PROCEED -> TriggeredFault.DELAYED;
		};
		this.triggered.add(new TriggeredFault(fault.point(), session.id(), argument, outcome, Instant.now()));
	}

	private Fault add(Fault fault) {
		this.faults.add(fault);
		return fault;
	}

	/**
	 * A fault being described: where it applies, then, optionally, a delay, then what it
	 * does.
	 */
	public final class Rule {

		private final FaultPoint point;

		private final @Nullable String argument;

		private final Predicate<Session> condition;

		private Duration delay = Duration.ZERO;

		Rule(FaultPoint point, @Nullable String argument, Predicate<Session> condition) {
			this.point = point;
			this.argument = argument;
			this.condition = condition;
		}

		/**
		 * Waits before the reply (or the drop).
		 * @param delay how long
		 * @return this rule
		 */
		public Rule after(Duration delay) {
			this.delay = delay;
			return this;
		}

		/**
		 * Answers with a reply.
		 * @param reply the reply, such as {@code "452 4.2.2 Mailbox full"}
		 * @return the fault, registered
		 */
		public Fault reply(String reply) {
			return reply(Reply.parse(reply));
		}

		/**
		 * Answers with a reply.
		 * @param reply the reply
		 * @return the fault, registered
		 */
		public Fault reply(Reply reply) {
			return add(new Fault(this.point, this.argument, this.condition, this.delay, Fault.Action.REPLY, reply, 0));
		}

		/**
		 * Closes the connection without a reply (at {@link FaultPoint#DATA_START}: right
		 * after the {@code 354}).
		 * @return the fault, registered
		 */
		public Fault dropConnection() {
			return add(new Fault(this.point, this.argument, this.condition, this.delay, Fault.Action.DROP, null, 0));
		}

		/**
		 * At {@link FaultPoint#DATA_START} only: answers {@code 354}, then closes the
		 * connection without a reply once at least {@code octets} octets of the message
		 * arrived (mid-DATA); a shorter message is received as usual.
		 * @param octets the octets of the message to read first, at least 1
		 * @return the fault, registered
		 */
		public Fault dropConnectionAfter(long octets) {
			if (this.point != FaultPoint.DATA_START) {
				throw new IllegalStateException("A drop after some octets of the message needs FaultPoint.DATA_START");
			}
			if (octets < 1) {
				throw new IllegalArgumentException("octets must be at least 1, not " + octets);
			}
			return add(
					new Fault(this.point, this.argument, this.condition, this.delay, Fault.Action.DROP, null, octets));
		}

		/**
		 * Answers as the catcher normally does, after the {@link #after delay}.
		 * @return the fault, registered
		 */
		public Fault proceed() {
			return add(new Fault(this.point, this.argument, this.condition, this.delay, Fault.Action.PROCEED, null, 0));
		}

	}

}
