package dev.smtpd.test;

import java.util.List;

import dev.smtpd.core.handler.DropConnectionException;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * First in the catcher's chain: applies the {@link Faults} at each hook, and leaves the
 * rest to the memory handler behind it. Marks the session when a fault decided a reply,
 * so the transcript can say so.
 */
final class FaultHandler implements SmtpHandler {

	static final String FAULTED = FaultHandler.class.getName() + ".faulted";

	/** Marks a session that a fault drops after the {@code 354}. */
	static final String DROP_AFTER_354 = FaultHandler.class.getName() + ".dropAfter354";

	private final Faults faults;

	private final Transcript transcript;

	FaultHandler(Faults faults, Transcript transcript) {
		this.faults = faults;
		this.transcript = transcript;
	}

	@Override
	public @Nullable Reply connect(Session session) throws InterruptedException {
		Reply reply = apply(FaultPoint.CONNECT, session, null, "CONNECT");
		session.attributes().remove(FAULTED);
		this.transcript.add(new Exchange(session.id(), "CONNECT", (reply != null) ? reply.code() : 220, reply != null));
		return reply;
	}

	@Override
	public @Nullable Reply helo(Session session, String hostname) throws InterruptedException {
		return apply(FaultPoint.EHLO, session, hostname, "HELO");
	}

	@Override
	public @Nullable Reply ehlo(Session session, String hostname, List<String> keywords) throws InterruptedException {
		return apply(FaultPoint.EHLO, session, hostname, "EHLO");
	}

	@Override
	public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options)
			throws InterruptedException {
		return apply(FaultPoint.MAIL, session, address, "MAIL");
	}

	@Override
	public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options)
			throws InterruptedException {
		return apply(FaultPoint.RCPT, session, address, "RCPT");
	}

	@Override
	public @Nullable Reply dataStart(Session session, Envelope envelope) throws InterruptedException {
		return apply(FaultPoint.DATA_START, session, null, "DATA");
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
			throws InterruptedException {
		return apply(FaultPoint.DATA, session, null, "DATA");
	}

	@Override
	public @Nullable Reply rset(Session session, Envelope envelope) throws InterruptedException {
		return apply(FaultPoint.RSET, session, null, "RSET");
	}

	@Override
	public @Nullable Reply noop(Session session, String argument) throws InterruptedException {
		return apply(FaultPoint.NOOP, session, null, "NOOP");
	}

	@Override
	public @Nullable Reply quit(Session session) throws InterruptedException {
		return apply(FaultPoint.QUIT, session, null, "QUIT");
	}

	private @Nullable Reply apply(FaultPoint point, Session session, @Nullable String argument, String verb)
			throws InterruptedException {
		Fault fault = this.faults.take(point, session, argument);
		if (fault == null) {
			return null;
		}
		this.faults.record(fault, session, argument);
		if (!fault.delay().isZero()) {
			// the fault is a slow server: this hook thread is the one that waits
			Thread.sleep(fault.delay().toMillis());
		}
		switch (fault.action()) {
			case DROP -> {
				if (point == FaultPoint.DATA_START) {
					// the client gets 354 first: the transcript notes the drop after it
					session.attributes().put(DROP_AFTER_354, Boolean.TRUE);
				}
				else {
					this.transcript.add(new Exchange(session.id(), verb, 0, true));
				}
				throw new DropConnectionException(fault.dropAfterOctets());
			}
			case REPLY -> {
				session.attributes().put(FAULTED, Boolean.TRUE);
				return fault.reply();
			}
			default -> {
				session.attributes().put(FAULTED, Boolean.TRUE);
				return null;
			}
		}
	}

}
