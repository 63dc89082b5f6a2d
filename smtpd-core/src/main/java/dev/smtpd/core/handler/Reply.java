package dev.smtpd.core.handler;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * An SMTP reply: a three-digit code, an optional enhanced status code (RFC 3463) and one
 * or more lines of text. Only the reply encoder turns a reply into bytes on the wire; the
 * text is sanitized there, so a reply never carries raw control characters to the client.
 *
 * @param code the reply code, 200 to 599
 * @param status the enhanced status code written before each line's text, or {@code null}
 * @param lines the text lines, at least one
 */
public record Reply(int code, @Nullable EnhancedStatus status, List<String> lines) {

	/** {@code 250 2.0.0 OK}. */
	public static final Reply OK = of(250, "2.0.0", "OK");

	/** {@code 250 2.1.0 OK}, the default reply to MAIL. */
	public static final Reply MAIL_OK = of(250, "2.1.0", "OK");

	/** {@code 250 2.1.5 OK}, the default reply to RCPT. */
	public static final Reply RCPT_OK = of(250, "2.1.5", "OK");

	/** {@code 354 End data with <CR><LF>.<CR><LF>}. */
	public static final Reply START_DATA = of(354, null, "End data with <CR><LF>.<CR><LF>");

	/** {@code 451 4.3.0 Requested action aborted: local error in processing}. */
	public static final Reply LOCAL_ERROR = of(451, "4.3.0", "Requested action aborted: local error in processing");

	/** {@code 452 4.5.3 Too many recipients}. */
	public static final Reply TOO_MANY_RECIPIENTS = of(452, "4.5.3", "Too many recipients");

	/** {@code 500 5.5.2 Error: command not recognized}. */
	public static final Reply UNRECOGNIZED = of(500, "5.5.2", "Error: command not recognized");

	/** {@code 500 5.5.2 Error: line too long}. */
	public static final Reply LINE_TOO_LONG = of(500, "5.5.2", "Error: line too long");

	/** {@code 501 5.5.4 Syntax error in parameters or arguments}. */
	public static final Reply SYNTAX_ERROR = of(501, "5.5.4", "Syntax error in parameters or arguments");

	/** {@code 502 5.5.1 Command not implemented}. */
	public static final Reply NOT_IMPLEMENTED = of(502, "5.5.1", "Command not implemented");

	/** {@code 503 5.5.1 Bad sequence of commands}. */
	public static final Reply BAD_SEQUENCE = of(503, "5.5.1", "Bad sequence of commands");

	/** {@code 530 5.7.0 Authentication required}. */
	public static final Reply AUTH_REQUIRED = of(530, "5.7.0", "Authentication required");

	/** {@code 535 5.7.8 Authentication credentials invalid}. */
	public static final Reply AUTH_FAILED = of(535, "5.7.8", "Authentication credentials invalid");

	/** {@code 550 5.1.1 Mailbox unavailable}. */
	public static final Reply MAILBOX_UNAVAILABLE = of(550, "5.1.1", "Mailbox unavailable");

	/** {@code 552 5.3.4 Message size exceeds fixed maximum message size}. */
	public static final Reply MESSAGE_TOO_BIG = of(552, "5.3.4", "Message size exceeds fixed maximum message size");

	/** {@code 554 5.0.0 Transaction failed}. */
	public static final Reply TRANSACTION_FAILED = of(554, "5.0.0", "Transaction failed");

	/**
	 * {@code 555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented}.
	 */
	public static final Reply PARAMETERS_NOT_RECOGNIZED = of(555, "5.5.4",
			"MAIL FROM/RCPT TO parameters not recognized or not implemented");

	public Reply {
		if (code < 200 || code > 599) {
			throw new IllegalArgumentException("Reply code must be 200 to 599, not " + code);
		}
		if (status != null && status.statusClass() != code / 100 && code / 100 != 3) {
			throw new IllegalArgumentException("Enhanced status " + status + " does not match reply code " + code);
		}
		if (lines.isEmpty()) {
			throw new IllegalArgumentException("A reply needs at least one line of text");
		}
		lines = List.copyOf(lines);
	}

	/**
	 * Creates a one-line reply.
	 * @param code the reply code
	 * @param status the enhanced status, such as {@code "2.0.0"}, or {@code null}
	 * @param text the text
	 * @return the reply
	 */
	public static Reply of(int code, @Nullable String status, String text) {
		return new Reply(code, (status != null) ? EnhancedStatus.parse(status) : null, List.of(text));
	}

	/**
	 * Parses a reply written the usual way, such as {@code "250 2.0.0 OK"} or
	 * {@code "550 No such user"}. Lines of a multi-line reply are separated by {@code \n}
	 * (or CRLF) and may repeat the code.
	 * @param text the reply text
	 * @return the reply
	 * @throws IllegalArgumentException if the text does not start with a reply code
	 */
	public static Reply parse(String text) {
		String[] raw = text.strip().split("\r?\n");
		int code = -1;
		EnhancedStatus status = null;
		List<String> lines = new ArrayList<>(raw.length);
		for (String line : raw) {
			if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
					|| !Character.isDigit(line.charAt(2))) {
				if (code < 0) {
					throw new IllegalArgumentException("Reply must start with a three-digit code: '" + text + "'");
				}
				lines.add(line);
				continue;
			}
			code = Integer.parseInt(line.substring(0, 3));
			String rest = (line.length() > 3) ? line.substring(4) : "";
			int space = rest.indexOf(' ');
			String first = (space >= 0) ? rest.substring(0, space) : rest;
			if (EnhancedStatus.looksLikeStatus(first)) {
				status = EnhancedStatus.parse(first);
				rest = (space >= 0) ? rest.substring(space + 1) : "";
			}
			lines.add(rest);
		}
		return new Reply(code, status, lines);
	}

	/**
	 * Returns whether this reply is positive (2xx or 3xx).
	 * @return whether the command succeeded
	 */
	public boolean isPositive() {
		return this.code < 400;
	}

	/**
	 * Returns whether this reply is a transient (4xx) failure.
	 * @return whether the command may succeed later
	 */
	public boolean isTransientFailure() {
		return this.code >= 400 && this.code < 500;
	}

	/**
	 * Returns whether this reply is a permanent (5xx) failure.
	 * @return whether the command failed for good
	 */
	public boolean isPermanentFailure() {
		return this.code >= 500;
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < this.lines.size(); i++) {
			if (i > 0) {
				sb.append('\n');
			}
			sb.append(this.code).append(i < this.lines.size() - 1 ? '-' : ' ');
			if (this.status != null) {
				sb.append(this.status).append(' ');
			}
			sb.append(this.lines.get(i));
		}
		return sb.toString();
	}

}
