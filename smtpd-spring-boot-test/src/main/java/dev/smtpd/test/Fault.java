package dev.smtpd.test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * One injected fault: where it applies, to which address, what it does, and how many more
 * times. Registered with {@link Faults}; applies once unless told otherwise
 * ({@link #times}, {@link #always}).
 */
public final class Fault {

	/** What a fault does once it applies. */
	enum Action {

		REPLY, DROP, PROCEED

	}

	private final FaultPoint point;

	private final @Nullable String argument;

	private final Predicate<Session> condition;

	private final Duration delay;

	private final Action action;

	private final @Nullable Reply reply;

	/** For a drop at DATA_START: octets of the message to read first. */
	private final long dropAfterOctets;

	/** Applications left; negative for always. */
	private final AtomicInteger remaining = new AtomicInteger(1);

	private final AtomicInteger triggered = new AtomicInteger();

	Fault(FaultPoint point, @Nullable String argument, Predicate<Session> condition, Duration delay, Action action,
			@Nullable Reply reply, long dropAfterOctets) {
		this.point = point;
		this.argument = argument;
		this.condition = condition;
		this.delay = delay;
		this.action = action;
		this.reply = reply;
		this.dropAfterOctets = dropAfterOctets;
	}

	/**
	 * Applies this fault to the next {@code count} matching commands (the first
	 * {@code count}, counting from now), then lets them through.
	 * @param count how many times, at least 1
	 * @return this fault
	 */
	public Fault times(int count) {
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, not " + count);
		}
		this.remaining.set(count);
		return this;
	}

	/**
	 * Applies this fault to every matching command until the faults are reset.
	 * @return this fault
	 */
	public Fault always() {
		this.remaining.set(-1);
		return this;
	}

	/**
	 * Returns how many times this fault applied.
	 * @return the count
	 */
	public int triggeredCount() {
		return this.triggered.get();
	}

	FaultPoint point() {
		return this.point;
	}

	Duration delay() {
		return this.delay;
	}

	Action action() {
		return this.action;
	}

	@Nullable Reply reply() {
		return this.reply;
	}

	long dropAfterOctets() {
		return this.dropAfterOctets;
	}

	/**
	 * Takes one application of this fault if it matches.
	 * @param point where the session is
	 * @param session the session
	 * @param argument the address or name the command carries
	 * @return whether the fault applies now
	 */
	boolean take(FaultPoint point, Session session, @Nullable String argument) {
		if (point != this.point || !this.condition.test(session)) {
			return false;
		}
		if (this.argument != null && (argument == null || !this.argument.equalsIgnoreCase(argument))) {
			return false;
		}
		while (true) {
			int left = this.remaining.get();
			if (left == 0) {
				return false;
			}
			if (left < 0 || this.remaining.compareAndSet(left, left - 1)) {
				this.triggered.incrementAndGet();
				return true;
			}
		}
	}

	@Override
	public String toString() {
		return this.point + ((this.argument != null) ? " " + this.argument : "") + " -> "
				+ ((this.action == Action.REPLY) ? this.reply : this.action.name().toLowerCase(java.util.Locale.ROOT))
				+ (this.delay.isZero() ? "" : " after " + this.delay);
	}

}
