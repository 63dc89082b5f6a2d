package dev.smtpd.core.engine;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;

/**
 * Parses the arguments of MAIL and RCPT: the path (RFC 5321 §4.1.2) and the ESMTP
 * parameters ({@code SIZE}, RFC 1870; {@code BODY}, RFC 6152; {@code SMTPUTF8}, RFC
 * 6531).
 *
 * <p>
 * The parser is a small index-based scanner: no regular expressions, and no allocation
 * beyond the strings and the parameter map it returns. Source routes are accepted and
 * dropped, {@code <>} is accepted as a reverse path and {@code <postmaster>} as a forward
 * path. A single space after the colon ({@code MAIL FROM: <a@example.com>}) is tolerated.
 *
 * <p>
 * Failures are thrown as {@link SmtpException}; reply texts never echo client input. The
 * scheme:
 * <ul>
 * <li>{@code 501 5.5.4} the command is malformed: no {@code FROM:}/{@code TO:}, no angle
 * brackets, text after the path, a malformed or repeated parameter, or a bad
 * {@code SIZE}/{@code BODY} value;</li>
 * <li>{@code 501 5.1.7} (MAIL) or {@code 501 5.1.3} (RCPT) the address is malformed,
 * including {@code <>} as a recipient and a path over 256 octets (§4.5.3.1.3);</li>
 * <li>{@code 553 5.6.7} a non-ASCII address without SMTPUTF8 (RFC 6531 §3.4);</li>
 * <li>{@code 553 5.1.7} (MAIL) or {@code 553 5.1.1} (RCPT) a local part over the
 * configured limit;</li>
 * <li>{@code 552 5.3.4} a declared {@code SIZE} over the data size limit;</li>
 * <li>{@code 555 5.5.4} a parameter the server does not implement.</li>
 * </ul>
 */
final class ArgumentParser {

	private static final int MAX_PATH_OCTETS = 256;

	private static final int MAX_DOMAIN_LENGTH = 255;

	private static final int MAX_LABEL_LENGTH = 63;

	private static final int MAX_SIZE_DIGITS = 20;

	private static final String POSTMASTER = "postmaster";

	private static final Reply MAIL_SYNTAX = Reply.of(501, "5.5.4", "Syntax: MAIL FROM: <address>");

	private static final Reply RCPT_SYNTAX = Reply.of(501, "5.5.4", "Syntax: RCPT TO: <address>");

	private static final Reply INVALID_SENDER = Reply.of(501, "5.1.7", "Invalid sender address");

	private static final Reply INVALID_RECIPIENT = Reply.of(501, "5.1.3", "Invalid recipient address");

	private static final Reply SENDER_PATH_TOO_LONG = Reply.of(501, "5.1.7", "Path too long");

	private static final Reply RECIPIENT_PATH_TOO_LONG = Reply.of(501, "5.1.3", "Path too long");

	private static final Reply NON_ASCII_ADDRESS = Reply.of(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");

	private static final Reply SENDER_LOCAL_PART_TOO_LONG = Reply.of(553, "5.1.7", "Local part too long");

	private static final Reply RECIPIENT_LOCAL_PART_TOO_LONG = Reply.of(553, "5.1.1", "Local part too long");

	private static final Reply MALFORMED_PARAMETER = Reply.of(501, "5.5.4", "Malformed parameter");

	private static final Reply DUPLICATE_PARAMETER = Reply.of(501, "5.5.4", "Duplicate parameter");

	private static final Reply BAD_SIZE = Reply.of(501, "5.5.4", "Syntax: SIZE=<digits>");

	private static final Reply BAD_BODY = Reply.of(501, "5.5.4", "BODY can only be one of 7BIT, 8BITMIME");

	private static final Reply BAD_SMTPUTF8 = Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");

	private static final Reply MAIL_PARAMETERS_NOT_RECOGNIZED = Reply.of(555, "5.5.4",
			"MAIL FROM parameters not recognized or not implemented");

	private static final Reply RCPT_PARAMETERS_NOT_RECOGNIZED = Reply.of(555, "5.5.4",
			"RCPT TO parameters not recognized or not implemented");

	private final boolean smtputf8Enabled;

	private final long dataSizeLimit;

	private final int localPartLimit;

	/**
	 * Creates a parser.
	 * @param smtputf8Enabled whether SMTPUTF8 is offered, so that the parameter and
	 * non-ASCII addresses are accepted
	 * @param dataSizeLimit the largest message accepted, in octets, or {@code 0} for no
	 * limit
	 * @param localPartLimit the longest local part accepted, in octets, or {@code 0} for
	 * no limit
	 */
	ArgumentParser(boolean smtputf8Enabled, long dataSizeLimit, int localPartLimit) {
		this.smtputf8Enabled = smtputf8Enabled;
		this.dataSizeLimit = dataSizeLimit;
		this.localPartLimit = localPartLimit;
	}

	/**
	 * Parses the argument of MAIL, such as
	 * {@code FROM:<a@example.com> SIZE=100 BODY=8BITMIME}.
	 * @param argument the text after the verb
	 * @return the reverse path ({@code ""} for the null path) and the parameters
	 * @throws SmtpException if the argument is refused
	 */
	MailArgument parseMail(String argument) {
		int open = skipPrefix(argument, "FROM:");
		if (open < 0) {
			throw new SmtpException(MAIL_SYNTAX);
		}
		int close = findPathEnd(argument, open, MAIL_SYNTAX);
		int start = scanPath(argument, open, close, INVALID_SENDER, SENDER_PATH_TOO_LONG);
		int at = (start < close) ? scanMailbox(argument, start, close, false, INVALID_SENDER) : close;
		@Nullable Map<String, @Nullable String> parameters = parseParameters(argument, close + 1);
		@Nullable Long size = null;
		BodyType body = BodyType.SEVEN_BIT;
		boolean smtputf8 = false;
		if (parameters != null) {
			for (Map.Entry<String, @Nullable String> parameter : parameters.entrySet()) {
				String value = parameter.getValue();
				switch (parameter.getKey()) {
					case "SIZE" -> size = parseSize(value);
					case "BODY" -> body = parseBody(value);
					case "SMTPUTF8" -> {
						if (!this.smtputf8Enabled) {
							throw new SmtpException(MAIL_PARAMETERS_NOT_RECOGNIZED);
						}
						if (value != null) {
							throw new SmtpException(BAD_SMTPUTF8);
						}
						smtputf8 = true;
					}
					default -> throw new SmtpException(MAIL_PARAMETERS_NOT_RECOGNIZED);
				}
			}
			checkParameterValues(parameters, smtputf8);
		}
		checkAddress(argument, start, at, close, smtputf8, SENDER_LOCAL_PART_TOO_LONG);
		MailOptions options = (parameters != null) ? new MailOptions(size, body, smtputf8, parameters)
				: MailOptions.NONE;
		return new MailArgument(argument.substring(start, close), options);
	}

	/**
	 * Parses the argument of RCPT, such as {@code TO:<b@example.com>}.
	 * @param argument the text after the verb
	 * @param smtputf8Transaction whether the MAIL of this transaction carried
	 * {@code SMTPUTF8}
	 * @return the forward path and the parameters
	 * @throws SmtpException if the argument is refused
	 */
	RcptArgument parseRcpt(String argument, boolean smtputf8Transaction) {
		int open = skipPrefix(argument, "TO:");
		if (open < 0) {
			throw new SmtpException(RCPT_SYNTAX);
		}
		int close = findPathEnd(argument, open, RCPT_SYNTAX);
		int start = scanPath(argument, open, close, INVALID_RECIPIENT, RECIPIENT_PATH_TOO_LONG);
		if (start == close) {
			throw new SmtpException(INVALID_RECIPIENT);
		}
		int at = scanMailbox(argument, start, close, true, INVALID_RECIPIENT);
		@Nullable Map<String, @Nullable String> parameters = parseParameters(argument, close + 1);
		if (parameters != null) {
			throw new SmtpException(RCPT_PARAMETERS_NOT_RECOGNIZED);
		}
		checkAddress(argument, start, at, close, smtputf8Transaction, RECIPIENT_LOCAL_PART_TOO_LONG);
		return new RcptArgument(argument.substring(start, close), RcptOptions.NONE);
	}

	/**
	 * Returns whether the text is a domain as RFC 5321 §4.1.2 defines it: ASCII hostname
	 * labels (letters, digits and inner hyphens, at most 63 each and 255 in all)
	 * separated by single dots, or an address literal ({@code [192.0.2.1]},
	 * {@code [IPv6:2001:db8::1]}, {@code [tag:content]}).
	 * @param s the text
	 * @return whether it is a valid domain
	 */
	public static boolean isValidDomain(@Nullable String s) {
		return s != null && !s.isEmpty() && scanDomain(s, 0, s.length(), false) == s.length();
	}

	/**
	 * Returns the index of the {@code <} that follows the prefix and at most one space,
	 * or -1.
	 */
	private static int skipPrefix(String argument, String prefix) {
		if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
			return -1;
		}
		int i = prefix.length();
		if (i < argument.length() && argument.charAt(i) == ' ') {
			i++;
		}
		return (i < argument.length() && argument.charAt(i) == '<') ? i : -1;
	}

	/**
	 * Returns the index of the {@code >} that closes the path opened at {@code open}, and
	 * checks that the path is followed by the end of the text or a space. A quoted local
	 * part, which may hold {@code >}, is skipped: a quote opens one only where a mailbox
	 * can start, after the {@code <} or after the {@code :} that ends a source route.
	 */
	private static int findPathEnd(String argument, int open, Reply syntax) {
		boolean quoted = false;
		for (int i = open + 1; i < argument.length(); i++) {
			char c = argument.charAt(i);
			if (quoted) {
				if (c == '\\') {
					i++;
				}
				else if (c == '"') {
					quoted = false;
				}
			}
			else if (c == '"') {
				char previous = argument.charAt(i - 1);
				quoted = (previous == '<' || previous == ':');
			}
			else if (c == '>') {
				if (i + 1 < argument.length() && argument.charAt(i + 1) != ' ') {
					throw new SmtpException(syntax);
				}
				return i;
			}
		}
		throw new SmtpException(syntax);
	}

	/**
	 * Checks the length of the path between {@code open} and {@code close} and skips its
	 * source route, if any.
	 * @return the index where the mailbox starts, {@code close} for an empty path
	 */
	private static int scanPath(String argument, int open, int close, Reply invalid, Reply tooLong) {
		if (utf8Length(argument, open, close + 1) > MAX_PATH_OCTETS) {
			throw new SmtpException(tooLong);
		}
		int i = open + 1;
		if (i == close || argument.charAt(i) != '@') {
			return i;
		}
		while (true) {
			i = scanDomain(argument, i + 1, close, false);
			if (i < 0 || i == close) {
				throw new SmtpException(invalid);
			}
			char c = argument.charAt(i);
			if (c == ':' && i + 1 < close) {
				return i + 1;
			}
			if (c != ',' || i + 1 == close || argument.charAt(i + 1) != '@') {
				throw new SmtpException(invalid);
			}
			i++;
		}
	}

	/**
	 * Checks the mailbox between {@code start} and {@code close}:
	 * {@code local-part "@" domain}, or {@code postmaster} alone when allowed.
	 * @return the index of the {@code @}, or {@code close} for {@code postmaster}
	 */
	private static int scanMailbox(String argument, int start, int close, boolean postmasterAllowed, Reply invalid) {
		if (postmasterAllowed && close - start == POSTMASTER.length()
				&& argument.regionMatches(true, start, POSTMASTER, 0, POSTMASTER.length())) {
			return close;
		}
		int at = scanLocalPart(argument, start, close);
		if (at < 0 || at == close || argument.charAt(at) != '@' || scanDomain(argument, at + 1, close, true) != close) {
			throw new SmtpException(invalid);
		}
		return at;
	}

	/**
	 * Refuses a non-ASCII address outside an SMTPUTF8 transaction and a local part over
	 * the limit.
	 */
	private void checkAddress(String argument, int start, int at, int close, boolean smtputf8, Reply tooLong) {
		if (!(this.smtputf8Enabled && smtputf8)) {
			for (int i = start; i < close; i++) {
				if (argument.charAt(i) >= 0x80) {
					throw new SmtpException(NON_ASCII_ADDRESS);
				}
			}
		}
		if (this.localPartLimit > 0 && at < close && utf8Length(argument, start, at) > this.localPartLimit) {
			throw new SmtpException(tooLong);
		}
	}

	/**
	 * Scans a dot-string or quoted-string local part starting at {@code start}.
	 * @return the index after the local part, or -1 if there is none
	 */
	private static int scanLocalPart(String s, int start, int end) {
		if (start >= end) {
			return -1;
		}
		int i = start;
		if (s.charAt(i) == '"') {
			i++;
			while (i < end) {
				char c = s.charAt(i);
				if (c == '"') {
					return i + 1;
				}
				if (c == '\\') {
					if (i + 1 >= end || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126) {
						return -1;
					}
					i += 2;
				}
				else if ((c >= 32 && c <= 126) || isUtf8NonAscii(c)) {
					i++;
				}
				else {
					return -1;
				}
			}
			return -1;
		}
		while (true) {
			int atom = i;
			while (i < end && isAtext(s.charAt(i))) {
				i++;
			}
			if (i == atom) {
				return -1;
			}
			if (i < end && s.charAt(i) == '.') {
				i++;
			}
			else {
				return i;
			}
		}
	}

	/**
	 * Scans a domain, hostname or address literal, starting at {@code start}.
	 * @param allowNonAscii whether U-labels (RFC 6531 §3.3) are allowed in a hostname
	 * @return the index after the domain, or -1 if there is no valid domain there
	 */
	private static int scanDomain(String s, int start, int end, boolean allowNonAscii) {
		if (start >= end) {
			return -1;
		}
		if (s.charAt(start) == '[') {
			int close = s.indexOf(']', start + 1);
			if (close < 0 || close >= end || !isAddressLiteral(s, start + 1, close)) {
				return -1;
			}
			return close + 1;
		}
		int i = start;
		while (true) {
			int label = i;
			if (i >= end || !isLetDig(s.charAt(i), allowNonAscii)) {
				return -1;
			}
			i++;
			while (i < end && (isLetDig(s.charAt(i), allowNonAscii) || s.charAt(i) == '-')) {
				i++;
			}
			if (s.charAt(i - 1) == '-' || i - label > MAX_LABEL_LENGTH) {
				return -1;
			}
			if (i < end && s.charAt(i) == '.') {
				i++;
			}
			else {
				break;
			}
		}
		return (i - start <= MAX_DOMAIN_LENGTH) ? i : -1;
	}

	/**
	 * Returns whether the text between the brackets of an address literal is an IPv4
	 * address, an {@code IPv6:} address, or a general address literal
	 * ({@code tag:content}).
	 */
	private static boolean isAddressLiteral(String s, int start, int end) {
		int colon = -1;
		for (int i = start; i < end; i++) {
			if (s.charAt(i) == ':') {
				colon = i;
				break;
			}
		}
		if (colon < 0) {
			return isIpv4(s, start, end);
		}
		if (colon - start == 4 && s.regionMatches(true, start, "IPv6", 0, 4)) {
			return isIpv6(s, colon + 1, end);
		}
		if (colon == start || colon + 1 == end || s.charAt(colon - 1) == '-') {
			return false;
		}
		for (int i = start; i < colon; i++) {
			char c = s.charAt(i);
			if (!isLetDig(c, false) && c != '-') {
				return false;
			}
		}
		for (int i = colon + 1; i < end; i++) {
			char c = s.charAt(i);
			if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') {
				return false;
			}
		}
		return true;
	}

	/**
	 * Returns whether the text is a dotted quad, four decimal numbers from 0 to 255.
	 */
	private static boolean isIpv4(String s, int start, int end) {
		int i = start;
		for (int part = 0; part < 4; part++) {
			if (part > 0) {
				if (i >= end || s.charAt(i) != '.') {
					return false;
				}
				i++;
			}
			int value = 0;
			int digits = 0;
			while (i < end && digits < 4 && isDigit(s.charAt(i))) {
				value = value * 10 + (s.charAt(i) - '0');
				digits++;
				i++;
			}
			if (digits == 0 || digits > 3 || value > 255) {
				return false;
			}
		}
		return i == end;
	}

	/**
	 * Returns whether the text is an IPv6 address (RFC 4291 §2.2): eight groups of one to
	 * four hex digits, a single {@code ::} standing for one or more zero groups, and
	 * optionally a dotted quad in place of the last two groups.
	 */
	private static boolean isIpv6(String s, int start, int end) {
		int i = start;
		int groups = 0;
		boolean compressed = false;
		if (end - i >= 2 && s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
			compressed = true;
			i += 2;
			if (i == end) {
				return true;
			}
		}
		while (true) {
			int group = i;
			while (i < end && i - group < 5 && isHex(s.charAt(i))) {
				i++;
			}
			if (i < end && s.charAt(i) == '.') {
				if (!isIpv4(s, group, end)) {
					return false;
				}
				groups += 2;
				break;
			}
			if (i == group || i - group > 4) {
				return false;
			}
			groups++;
			if (groups > 8) {
				return false;
			}
			if (i == end) {
				break;
			}
			if (s.charAt(i) != ':' || i + 1 == end) {
				return false;
			}
			i++;
			if (s.charAt(i) == ':') {
				if (compressed) {
					return false;
				}
				compressed = true;
				i++;
				if (i == end) {
					break;
				}
			}
		}
		return compressed ? groups <= 7 : groups == 8;
	}

	/**
	 * Parses the parameters that follow the path, {@code keyword[=value]} separated by
	 * spaces. Checks their syntax only; non-ASCII values are checked later by
	 * {@link #checkParameterValues}.
	 * @return the parameters in order, keywords upper-cased, or {@code null} if there are
	 * none
	 */
	private static @Nullable Map<String, @Nullable String> parseParameters(String s, int from) {
		@Nullable Map<String, @Nullable String> parameters = null;
		int i = from;
		int end = s.length();
		while (true) {
			while (i < end && s.charAt(i) == ' ') {
				i++;
			}
			if (i == end) {
				return parameters;
			}
			int keyword = i;
			if (!isAlphaDigit(s.charAt(i))) {
				throw new SmtpException(MALFORMED_PARAMETER);
			}
			i++;
			while (i < end && (isAlphaDigit(s.charAt(i)) || s.charAt(i) == '-')) {
				i++;
			}
			int keywordEnd = i;
			@Nullable String value = null;
			if (i < end && s.charAt(i) == '=') {
				int valueStart = ++i;
				while (i < end && isValueChar(s.charAt(i))) {
					i++;
				}
				if (i == valueStart) {
					throw new SmtpException(MALFORMED_PARAMETER);
				}
				value = s.substring(valueStart, i);
			}
			if (i < end && s.charAt(i) != ' ') {
				throw new SmtpException(MALFORMED_PARAMETER);
			}
			String name = s.substring(keyword, keywordEnd).toUpperCase(Locale.ROOT);
			if (parameters == null) {
				parameters = new LinkedHashMap<>();
			}
			else if (parameters.containsKey(name)) {
				throw new SmtpException(DUPLICATE_PARAMETER);
			}
			parameters.put(name, value);
		}
	}

	/**
	 * Refuses parameter values with non-ASCII characters outside an SMTPUTF8 transaction.
	 */
	private void checkParameterValues(Map<String, @Nullable String> parameters, boolean smtputf8) {
		if (this.smtputf8Enabled && smtputf8) {
			return;
		}
		for (String value : parameters.values()) {
			if (value != null) {
				for (int i = 0; i < value.length(); i++) {
					if (value.charAt(i) >= 0x80) {
						throw new SmtpException(MALFORMED_PARAMETER);
					}
				}
			}
		}
	}

	/**
	 * Parses a {@code SIZE} value (RFC 1870) and checks it against the limit. A value too
	 * large for a {@code long} is taken as {@link Long#MAX_VALUE}.
	 */
	private Long parseSize(@Nullable String value) {
		if (value == null || value.length() > MAX_SIZE_DIGITS) {
			throw new SmtpException(BAD_SIZE);
		}
		long size = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (!isDigit(c)) {
				throw new SmtpException(BAD_SIZE);
			}
			int digit = c - '0';
			size = (size > (Long.MAX_VALUE - digit) / 10) ? Long.MAX_VALUE : size * 10 + digit;
		}
		if (this.dataSizeLimit > 0 && size > this.dataSizeLimit) {
			throw new SmtpException(Reply.MESSAGE_TOO_BIG);
		}
		return size;
	}

	/**
	 * Parses a {@code BODY} value (RFC 6152). {@code BINARYMIME} (RFC 3030) is not
	 * offered.
	 */
	private static BodyType parseBody(@Nullable String value) {
		if ("7BIT".equalsIgnoreCase(value)) {
			return BodyType.SEVEN_BIT;
		}
		if ("8BITMIME".equalsIgnoreCase(value)) {
			return BodyType.EIGHT_BIT_MIME;
		}
		throw new SmtpException(BAD_BODY);
	}

	private static int utf8Length(String s, int start, int end) {
		int length = 0;
		for (int i = start; i < end; i++) {
			char c = s.charAt(i);
			if (c < 0x80) {
				length++;
			}
			else if (c < 0x800 || Character.isSurrogate(c)) {
				length += 2;
			}
			else {
				length += 3;
			}
		}
		return length;
	}

	private static boolean isAtext(char c) {
		if (c >= 0x80) {
			return isUtf8NonAscii(c);
		}
		if (isAlphaDigit(c)) {
			return true;
		}
		return switch (c) {
			case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~' -> true;
			default -> false;
		};
	}

	private static boolean isLetDig(char c, boolean allowNonAscii) {
		return isAlphaDigit(c) || (allowNonAscii && isUtf8NonAscii(c));
	}

	private static boolean isUtf8NonAscii(char c) {
		return c >= 0x80 && !Character.isISOControl(c) && !Character.isSpaceChar(c);
	}

	private static boolean isValueChar(char c) {
		return (c >= 33 && c <= 126 && c != '=') || isUtf8NonAscii(c);
	}

	private static boolean isAlphaDigit(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c);
	}

	private static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	private static boolean isHex(char c) {
		return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

}
