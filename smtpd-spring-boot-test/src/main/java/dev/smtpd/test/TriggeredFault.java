package dev.smtpd.test;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A fault that happened: where, in which session, to which argument, and what the client
 * got.
 *
 * @param point where it applied
 * @param sessionId the session
 * @param argument the address of MAIL or RCPT, the name of EHLO, else {@code null}
 * @param outcome what the client got: the reply, such as {@code 451 4.3.0 Try again
 * later}, {@code "dropped"} for a connection closed without reply, or {@code "delayed"}
 * for a delay followed by the normal reply
 * @param at when
 */
public record TriggeredFault(FaultPoint point, String sessionId, @Nullable String argument, String outcome,
		Instant at) {

	/** The outcome of a connection closed without a reply. */
	public static final String DROPPED = "dropped";

	/** The outcome of a delay followed by the normal reply. */
	public static final String DELAYED = "delayed";

}
