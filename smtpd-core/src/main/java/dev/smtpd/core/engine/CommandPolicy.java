package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * What a session allows before a command runs: its length, how often it may be called,
 * whether it needs TLS or AUTH first, and how many unrecognized commands a client may
 * send. One per session; it decides and the session carries the decision out.
 */
final class CommandPolicy {

	/** RFC 1870: {@code SIZE=} adds up to 26 octets to a MAIL command. */
	private static final int SIZE_ALLOWANCE = 26;

	/** RFC 6531: {@code SMTPUTF8} adds 10 octets to a MAIL command. */
	private static final int SMTPUTF8_ALLOWANCE = 10;

	/**
	 * RFC 3461 §4: {@code RET} and {@code ENVID} add up to 110 octets to a MAIL command.
	 */
	private static final int DSN_MAIL_ALLOWANCE = 110;

	/**
	 * RFC 3461 §4: {@code NOTIFY} and {@code ORCPT} add up to 500 octets to a RCPT
	 * command.
	 */
	private static final int DSN_RCPT_ALLOWANCE = 500;

	/**
	 * Shared until the first counted call: a session that counts none holds no arrays.
	 */
	private static final @Nullable String[] NO_VERBS = new String[0];

	private static final int[] NO_COUNTS = new int[0];

	private final SmtpServerConfig config;

	/**
	 * Verbs counted for the call limits, and their counts (a map costs more per session).
	 */
	private @Nullable String[] countedVerbs = NO_VERBS;

	private int[] callCounts = NO_COUNTS;

	private int unrecognized;

	CommandPolicy(SmtpServerConfig config) {
		this.config = config;
	}

	/**
	 * Checks a command before it runs.
	 * @param verb the verb, upper-case
	 * @param line the whole line without CRLF
	 * @param known whether the verb is a built-in or custom command
	 * @param session the session
	 * @return {@code null} to run the command, else the refusal
	 */
	@Nullable Refusal check(String verb, String line, boolean known, SessionState session) {
		if (exceedsLengthLimit(verb, line)) {
			// malformed, as a line too long for the framer is: counted alike
			return unrecognized(Reply.LINE_TOO_LONG);
		}
		String counted = known ? verb : "*";
		int limit = this.config.limits().commandCallLimit(counted);
		if (limit > 0 && countCall(counted) > limit) {
			return new Refusal(
					Reply.of(421, "4.7.0", this.config.hostname() + " Error: too many " + counted + " commands"), true,
					true);
		}
		if (this.config.tls().requireStarttls() && session.tls() == null && needsTls(verb)) {
			return new Refusal(StarttlsCommand.TLS_REQUIRED, false, true);
		}
		if (this.config.auth().required() && !session.isAuthenticated() && needsAuth(verb)) {
			return new Refusal(Reply.AUTH_REQUIRED, false, true);
		}
		return null;
	}

	/**
	 * Counts an unrecognized command.
	 * @return the reply: {@code 500}, or {@code 421} when the client sent too many and
	 * must be closed
	 */
	Refusal unrecognized(Reply reply) {
		if (++this.unrecognized > this.config.limits().maxUnrecognizedCommands()) {
			// RFC 5321 §3.8: a server that closes on its own answers 421 first
			return new Refusal(
					Reply.of(421, "4.7.0", this.config.hostname() + " Error: too many unrecognized commands, goodbye"),
					true, true);
		}
		return new Refusal(reply, false, true);
	}

	/**
	 * Returns the most octets the extensions may add to a command line, for the framer.
	 * @param config the configuration
	 * @return the largest allowance of {@link #allowance}
	 */
	static int maxAllowance(SmtpServerConfig config) {
		return Math.max(allowance("MAIL", config), allowance("RCPT", config));
	}

	private static int allowance(String verb, SmtpServerConfig config) {
		boolean dsn = config.extensions().dsn();
		return switch (verb) {
			case "MAIL" -> SIZE_ALLOWANCE + (config.extensions().smtputf8() ? SMTPUTF8_ALLOWANCE : 0)
					+ (dsn ? DSN_MAIL_ALLOWANCE : 0);
			case "RCPT" -> dsn ? DSN_RCPT_ALLOWANCE : 0;
			default -> 0;
		};
	}

	private boolean exceedsLengthLimit(String verb, String line) {
		int limit = this.config.limits().commandSizeLimit() + allowance(verb, this.config);
		return line.length() + 2 > limit && line.getBytes(StandardCharsets.UTF_8).length + 2 > limit;
	}

	private int countCall(String verb) {
		@Nullable String[] verbs = this.countedVerbs;
		for (int i = 0; i < verbs.length; i++) {
			if (verbs[i] == null) {
				verbs[i] = verb;
				return ++this.callCounts[i];
			}
			if (verbs[i].equals(verb)) {
				return ++this.callCounts[i];
			}
		}
		int slot = verbs.length;
		this.countedVerbs = Arrays.copyOf(verbs, slot + 4);
		this.callCounts = Arrays.copyOf(this.callCounts, slot + 4);
		this.countedVerbs[slot] = verb;
		return ++this.callCounts[slot];
	}

	/**
	 * RFC 3207 §4: before TLS, a server that requires it answers every command but NOOP,
	 * EHLO, STARTTLS and QUIT with {@code 530} (and LHLO, LMTP's EHLO).
	 */
	private static boolean needsTls(String verb) {
		return switch (verb) {
			case "EHLO", "LHLO", "NOOP", "QUIT", "STARTTLS" -> false;
			default -> true;
		};
	}

	private static boolean needsAuth(String verb) {
		return switch (verb) {
			case "AUTH", "EHLO", "HELO", "LHLO", "NOOP", "RSET", "QUIT", "STARTTLS" -> false;
			default -> true;
		};
	}

	/**
	 * A command the policy refuses.
	 *
	 * @param reply the reply
	 * @param close whether the connection is closed after it
	 * @param counted whether the command counts as one of the session's commands
	 */
	record Refusal(Reply reply, boolean close, boolean counted) {

	}

}
