package dev.smtpd.core.protocol;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Parses the arguments of MAIL and RCPT: the path (RFC 5321 §4.1.2) and the ESMTP parameters, typed
 * for SIZE (RFC 1870), BODY (RFC 6152) and SMTPUTF8 (RFC 6531). A hand-written scanner, not a regular
 * expression: linear in the length of the line, whatever the client sends.
 * <p>
 * Replies: a malformed command {@code 501 5.5.4}; a malformed address {@code 501 5.1.7} (sender) or
 * {@code 501 5.1.3} (recipient); a non-ASCII address without SMTPUTF8 {@code 553 5.6.7}; a local part
 * over the limit {@code 553 5.1.7}/{@code 553 5.1.1}; an unknown parameter {@code 555 5.5.4}; a declared
 * SIZE over the limit {@code 552 5.3.4}.
 */
final class ArgumentParser {

	/** RFC 5321 §4.5.3.1.3: a path, angle brackets included. */
	private static final int MAX_PATH = 256;

	private static final int MAX_DOMAIN = 255;

	private static final int MAX_LABEL = 63;

	private static final Reply MAIL_SYNTAX = Reply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");

	private static final Reply RCPT_SYNTAX = Reply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");

	private static final Reply BAD_SENDER = Reply.of(501, "5.1.7", "Bad sender address syntax");

	private static final Reply BAD_RECIPIENT = Reply.of(501, "5.1.3", "Bad recipient address syntax");

	private static final Reply NON_ASCII = Reply.of(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");

	private static final Reply SENDER_LOCAL_PART_TOO_LONG = Reply.of(553, "5.1.7", "Local part too long");

	private static final Reply RECIPIENT_LOCAL_PART_TOO_LONG = Reply.of(553, "5.1.1", "Local part too long");

	private static final Reply BAD_PARAMETER = Reply.of(501, "5.5.4", "Malformed parameter");

	private static final Reply DUPLICATE_PARAMETER = Reply.of(501, "5.5.4", "Duplicate parameter");

	private static final Reply BAD_SIZE = Reply.of(501, "5.5.4", "Syntax: SIZE=<number>");

	private static final Reply BAD_BODY = Reply.of(501, "5.5.4", "Syntax: BODY=7BIT|8BITMIME");

	private static final Reply BAD_SMTPUTF8 = Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");

	private static final Reply RCPT_PARAMETERS = Reply.of(555, "5.5.4",
			"RCPT TO parameters not recognized or not implemented");

	private final boolean smtputf8Enabled;

	private final long dataSizeLimit;

	private final int localPartLimit;

	/**
	 * Creates a parser.
	 * @param smtputf8Enabled whether SMTPUTF8 is offered
	 * @param dataSizeLimit the largest message, {@code 0} for no limit
	 * @param localPartLimit the longest local part in octets, {@code 0} for no limit
	 */
	ArgumentParser(boolean smtputf8Enabled, long dataSizeLimit, int localPartLimit) {
		this.smtputf8Enabled = smtputf8Enabled;
		this.dataSizeLimit = dataSizeLimit;
		this.localPartLimit = localPartLimit;
	}

	/**
	 * Parses what follows {@code MAIL}.
	 * @param argument such as {@code FROM:<a@example.com> SIZE=100}
	 * @return the sender ({@code ""} for the null path) and options
	 * @throws SmtpException with the reply for the client
	 */
	MailArgument parseMail(String argument) {
		Cursor cursor = new Cursor(argument, "FROM:", MAIL_SYNTAX);
		int pathStart = cursor.position;
		int pathEnd = cursor.pathEnd();
		Map<String, @Nullable String> parameters = parameters(argument, pathEnd);
		Long size = null;
		BodyType body = BodyType.SEVEN_BIT;
		boolean smtputf8 = false;
		for (Map.Entry<String, @Nullable String> parameter : parameters.entrySet()) {
			String value = parameter.getValue();
			switch (parameter.getKey()) {
				case "SIZE" -> size = size(value);
				case "BODY" -> body = body(value);
				case "SMTPUTF8" -> {
					if (!this.smtputf8Enabled) {
						throw new SmtpException(Reply.PARAMETERS_NOT_RECOGNIZED);
					}
					if (value != null) {
						throw new SmtpException(BAD_SMTPUTF8);
					}
					smtputf8 = true;
				}
				default -> throw new SmtpException(Reply.PARAMETERS_NOT_RECOGNIZED);
			}
		}
		String address = address(argument, pathStart, pathEnd, true, smtputf8);
		return new MailArgument(address, new MailOptions(size, body, smtputf8, parameters));
	}

	/**
	 * Parses what follows {@code RCPT}.
	 * @param argument such as {@code TO:<b@example.com>}
	 * @param smtputf8Transaction whether this transaction's MAIL had SMTPUTF8
	 * @return the recipient and options
	 * @throws SmtpException with the reply for the client
	 */
	RcptArgument parseRcpt(String argument, boolean smtputf8Transaction) {
		Cursor cursor = new Cursor(argument, "TO:", RCPT_SYNTAX);
		int pathStart = cursor.position;
		int pathEnd = cursor.pathEnd();
		Map<String, @Nullable String> parameters = parameters(argument, pathEnd);
		if (!parameters.isEmpty()) {
			throw new SmtpException(RCPT_PARAMETERS);
		}
		String address = address(argument, pathStart, pathEnd, false, smtputf8Transaction);
		return new RcptArgument(address, new RcptOptions(parameters));
	}

	private @Nullable Long size(@Nullable String value) {
		if (value == null || value.isEmpty() || value.length() > 20) {
			throw new SmtpException(BAD_SIZE);
		}
		long size = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				throw new SmtpException(BAD_SIZE);
			}
			if (size > (Long.MAX_VALUE - (c - '0')) / 10) {
				size = Long.MAX_VALUE;
				break;
			}
			size = size * 10 + (c - '0');
		}
		if (this.dataSizeLimit > 0 && size > this.dataSizeLimit) {
			throw new SmtpException(Reply.MESSAGE_TOO_BIG);
		}
		return size;
	}

	private static BodyType body(@Nullable String value) {
		if (value != null) {
			if (value.equalsIgnoreCase("7BIT")) {
				return BodyType.SEVEN_BIT;
			}
			if (value.equalsIgnoreCase("8BITMIME")) {
				return BodyType.EIGHT_BIT_MIME;
			}
		}
		throw new SmtpException(BAD_BODY);
	}

	/**
	 * Parses {@code SP keyword[=value]} pairs after the path (RFC 5321 §4.1.2 esmtp-param).
	 */
	private Map<String, @Nullable String> parameters(String argument, int from) {
		Map<String, @Nullable String> parameters = new LinkedHashMap<>();
		int i = from;
		int length = argument.length();
		while (i < length) {
			if (argument.charAt(i) != ' ') {
				throw new SmtpException(BAD_PARAMETER);
			}
			while (i < length && argument.charAt(i) == ' ') {
				i++;
			}
			if (i == length) {
				break;
			}
			int keywordStart = i;
			while (i < length && isKeywordChar(argument.charAt(i), i == keywordStart)) {
				i++;
			}
			if (i == keywordStart) {
				throw new SmtpException(BAD_PARAMETER);
			}
			String keyword = argument.substring(keywordStart, i).toUpperCase(Locale.ROOT);
			String value = null;
			if (i < length && argument.charAt(i) == '=') {
				int valueStart = ++i;
				while (i < length && argument.charAt(i) != ' ') {
					char c = argument.charAt(i);
					if (c == '=' || c < '!' || c == 0x7f || (c > 0x7f && !this.smtputf8Enabled)) {
						throw new SmtpException(BAD_PARAMETER);
					}
					i++;
				}
				if (i == valueStart) {
					throw new SmtpException(BAD_PARAMETER);
				}
				value = argument.substring(valueStart, i);
			}
			else if (i < length && argument.charAt(i) != ' ') {
				throw new SmtpException(BAD_PARAMETER);
			}
			if (parameters.containsKey(keyword)) {
				throw new SmtpException(DUPLICATE_PARAMETER);
			}
			parameters.put(keyword, value);
		}
		return parameters;
	}

	private static boolean isKeywordChar(char c, boolean first) {
		return isAlphaDigit(c) || (!first && c == '-');
	}

	private static boolean isAlphaDigit(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	}

	/**
	 * Validates the path between {@code start} (at {@code <}) and {@code end} (after {@code >}) and
	 * returns the mailbox without brackets or source route.
	 */
	private String address(String argument, int start, int end, boolean sender, boolean smtputf8) {
		Reply bad = sender ? BAD_SENDER : BAD_RECIPIENT;
		if (end - start > MAX_PATH && utf8Length(argument, start, end) > MAX_PATH) {
			throw new SmtpException(bad);
		}
		int i = start + 1;
		int last = end - 1;
		if (i == last) {
			if (sender) {
				return "";
			}
			throw new SmtpException(bad);
		}
		boolean nonAscii = false;
		for (int j = i; j < last; j++) {
			if (argument.charAt(j) > 0x7f) {
				nonAscii = true;
				break;
			}
		}
		if (nonAscii && !(this.smtputf8Enabled && smtputf8)) {
			throw new SmtpException(NON_ASCII);
		}
		if (argument.charAt(i) == '@') {
			// a source route (A-d-l): accepted and ignored, RFC 5321 §4.1.2 and Appendix C
			i = sourceRoute(argument, i, last, bad);
		}
		int localEnd = localPart(argument, i, last, bad);
		if (localEnd == last) {
			if (!sender && argument.regionMatches(true, i, "postmaster", 0, last - i) && last - i == 10) {
				return argument.substring(i, last);
			}
			throw new SmtpException(bad);
		}
		if (this.localPartLimit > 0 && utf8Length(argument, i, localEnd) > this.localPartLimit) {
			throw new SmtpException(sender ? SENDER_LOCAL_PART_TOO_LONG : RECIPIENT_LOCAL_PART_TOO_LONG);
		}
		// argument.charAt(localEnd) == '@'
		if (!isDomainOrLiteral(argument, localEnd + 1, last)) {
			throw new SmtpException(bad);
		}
		return argument.substring(i, last);
	}

	private static int sourceRoute(String s, int i, int end, Reply bad) {
		while (true) {
			if (i >= end || s.charAt(i) != '@') {
				throw new SmtpException(bad);
			}
			int domainStart = i + 1;
			int j = domainStart;
			while (j < end && s.charAt(j) != ',' && s.charAt(j) != ':') {
				j++;
			}
			if (j == end || !isDomainOrLiteral(s, domainStart, j)) {
				throw new SmtpException(bad);
			}
			if (s.charAt(j) == ':') {
				return j + 1;
			}
			i = j + 1;
		}
	}

	/**
	 * Scans a dot-string or quoted-string local part.
	 * @return the index of the {@code @} after it, or {@code end} if there is none
	 */
	private static int localPart(String s, int start, int end, Reply bad) {
		int i = start;
		if (i < end && s.charAt(i) == '"') {
			i++;
			while (true) {
				if (i >= end) {
					throw new SmtpException(bad);
				}
				char c = s.charAt(i);
				if (c == '"') {
					i++;
					break;
				}
				if (c == '\\') {
					if (i + 1 >= end || s.charAt(i + 1) < ' ' || s.charAt(i + 1) == 0x7f) {
						throw new SmtpException(bad);
					}
					i += 2;
					continue;
				}
				if (c < ' ' || c == 0x7f) {
					throw new SmtpException(bad);
				}
				i++;
			}
		}
		else {
			boolean atomStart = true;
			while (i < end && s.charAt(i) != '@') {
				char c = s.charAt(i);
				if (c == '.') {
					if (atomStart) {
						throw new SmtpException(bad);
					}
					atomStart = true;
				}
				else if (isAtext(c)) {
					atomStart = false;
				}
				else {
					throw new SmtpException(bad);
				}
				i++;
			}
			if (i == start) {
				throw new SmtpException(bad);
			}
			if (atomStart) {
				// empty, or ends with a dot
				throw new SmtpException(bad);
			}
		}
		if (i < end && s.charAt(i) != '@') {
			throw new SmtpException(bad);
		}
		return i;
	}

	/** RFC 5322 atext, plus any non-ASCII character (RFC 6531 §3.3 UTF8-non-ascii). */
	private static boolean isAtext(char c) {
		if (isAlphaDigit(c) || c > 0x7f) {
			return true;
		}
		return switch (c) {
			case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~' -> true;
			default -> false;
		};
	}

	/**
	 * Returns whether the text is a domain name or an address literal, as a HELO/EHLO argument may be.
	 * @param s the text
	 * @return whether it is valid
	 */
	public static boolean isValidDomain(String s) {
		return isDomainOrLiteral(s, 0, s.length());
	}

	private static boolean isDomainOrLiteral(String s, int start, int end) {
		if (start >= end) {
			return false;
		}
		if (s.charAt(start) == '[') {
			return s.charAt(end - 1) == ']' && isAddressLiteral(s.substring(start + 1, end - 1));
		}
		return isDomain(s, start, end);
	}

	private static boolean isDomain(String s, int start, int end) {
		if (end - start > MAX_DOMAIN) {
			return false;
		}
		int labelStart = start;
		for (int i = start; i <= end; i++) {
			if (i == end || s.charAt(i) == '.') {
				int length = i - labelStart;
				if (length == 0 || length > MAX_LABEL || s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') {
					return false;
				}
				labelStart = i + 1;
				continue;
			}
			char c = s.charAt(i);
			// letters, digits, hyphens; U-labels (RFC 6531) are checked for ASCII before we get here
			if (!isAlphaDigit(c) && c != '-' && c <= 0x7f) {
				return false;
			}
		}
		return true;
	}

	private static boolean isAddressLiteral(String literal) {
		if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) {
			return isIpv6(literal.substring(5));
		}
		int colon = literal.indexOf(':');
		if (colon > 0) {
			// General-address-literal: Standardized-tag ":" 1*dcontent
			String tag = literal.substring(0, colon);
			String content = literal.substring(colon + 1);
			return isDomain(tag, 0, tag.length()) && !content.isEmpty()
					&& content.chars().allMatch((c) -> c >= 33 && c <= 126 && c != '[' && c != ']' && c != '\\');
		}
		return isIpv4(literal);
	}

	private static boolean isIpv4(String s) {
		int parts = 0;
		int value = -1;
		int digits = 0;
		for (int i = 0; i <= s.length(); i++) {
			if (i == s.length() || s.charAt(i) == '.') {
				if (digits == 0 || value > 255) {
					return false;
				}
				parts++;
				value = -1;
				digits = 0;
				continue;
			}
			char c = s.charAt(i);
			if (c < '0' || c > '9' || ++digits > 3) {
				return false;
			}
			value = ((value < 0) ? 0 : value * 10) + (c - '0');
		}
		return parts == 4;
	}

	private static boolean isIpv6(String s) {
		if (s.isEmpty()) {
			return false;
		}
		int doubleColon = s.indexOf("::");
		if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
			return false;
		}
		String[] groups = s.split(":", -1);
		int count = 0;
		for (int i = 0; i < groups.length; i++) {
			String group = groups[i];
			if (group.isEmpty()) {
				// allowed only as part of "::" (or at the ends beside it)
				continue;
			}
			if (i == groups.length - 1 && group.indexOf('.') >= 0) {
				if (!isIpv4(group)) {
					return false;
				}
				count += 2;
				continue;
			}
			if (group.length() > 4 || !group.chars().allMatch(ArgumentParser::isHex)) {
				return false;
			}
			count++;
		}
		if (doubleColon < 0) {
			return count == 8 && !s.startsWith(":") && !s.endsWith(":");
		}
		if ((s.startsWith(":") && !s.startsWith("::")) || (s.endsWith(":") && !s.endsWith("::"))) {
			return false;
		}
		return count <= 7;
	}

	private static boolean isHex(int c) {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

	private static int utf8Length(String s, int start, int end) {
		return s.substring(start, end).getBytes(StandardCharsets.UTF_8).length;
	}

	/**
	 * Finds the prefix ({@code FROM:}/{@code TO:}, case-insensitive, optionally followed by one
	 * space) and the angle brackets of the path.
	 */
	private static final class Cursor {

		private final String argument;

		private final Reply syntax;

		private int position;

		Cursor(String argument, String prefix, Reply syntax) {
			this.argument = argument;
			this.syntax = syntax;
			if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
				throw new SmtpException(syntax);
			}
			int i = prefix.length();
			if (i < argument.length() && argument.charAt(i) == ' ') {
				i++;
			}
			if (i >= argument.length() || argument.charAt(i) != '<') {
				throw new SmtpException(syntax);
			}
			this.position = i;
		}

		/**
		 * Returns the index just after the {@code >} closing the path; quoted local parts may hold one.
		 */
		int pathEnd() {
			boolean quoted = false;
			for (int i = this.position + 1; i < this.argument.length(); i++) {
				char c = this.argument.charAt(i);
				if (quoted) {
					if (c == '\\') {
						i++;
					}
					else if (c == '"') {
						quoted = false;
					}
				}
				else if (c == '"') {
					quoted = true;
				}
				else if (c == '>') {
					return i + 1;
				}
				else if (c == '<' || c == ' ') {
					break;
				}
			}
			throw new SmtpException(this.syntax);
		}

	}

}
