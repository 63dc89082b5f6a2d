package dev.smtpd.core.engine;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;

/**
 * Parses the arguments of MAIL and RCPT: the path (RFC 5321 §4.1.2) and the ESMTP
 * parameters ({@code SIZE}, RFC 1870; {@code BODY}, RFC 6152; {@code SMTPUTF8}, RFC 6531;
 * {@code RET}, {@code ENVID}, {@code NOTIFY} and {@code ORCPT}, RFC 3461, whose values
 * {@link DsnParameters} parses).
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
 * brackets, text after the path, a malformed or repeated parameter, a bad
 * {@code SIZE}/{@code BODY} value, a bad DSN value, or a DSN parameter on the other
 * command ({@code NOTIFY} on MAIL, {@code RET} on RCPT);</li>
 * <li>{@code 501 5.1.7} (MAIL) or {@code 501 5.1.3} (RCPT) the address is malformed,
 * including {@code <>} as a recipient and a path over 256 octets (§4.5.3.1.3);</li>
 * <li>{@code 553 5.6.7} a non-ASCII address without SMTPUTF8 (RFC 6531 §3.4);</li>
 * <li>{@code 553 5.1.7} (MAIL) or {@code 553 5.1.1} (RCPT) a local part over the
 * configured limit;</li>
 * <li>{@code 552 5.3.4} a declared {@code SIZE} over the data size limit;</li>
 * <li>{@code 555 5.5.4} a parameter the server does not implement, including the DSN
 * parameters when DSN is off.</li>
 * </ul>
 */
final class ArgumentParser {

	private static final int MAX_PATH_OCTETS = 256;

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

	private static final Reply BAD_BODY = Reply.of(501, "5.5.4", "BODY can only be one of 7BIT, 8BITMIME, BINARYMIME");

	private static final Reply BAD_SMTPUTF8 = Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");

	private static final Reply MAIL_PARAMETERS_NOT_RECOGNIZED = Reply.of(555, "5.5.4",
			"MAIL FROM parameters not recognized or not implemented");

	private static final Reply RCPT_PARAMETERS_NOT_RECOGNIZED = Reply.of(555, "5.5.4",
			"RCPT TO parameters not recognized or not implemented");

	private final boolean smtputf8Enabled;

	private final boolean dsnEnabled;

	private final long dataSizeLimit;

	private final int localPartLimit;

	/**
	 * Creates a parser.
	 * @param smtputf8Enabled whether SMTPUTF8 is offered, so that the parameter and
	 * non-ASCII addresses are accepted
	 * @param dsnEnabled whether DSN is offered, so that its parameters are accepted
	 * @param dataSizeLimit the largest message accepted, in octets, or {@code 0} for no
	 * limit
	 * @param localPartLimit the longest local part accepted, in octets, or {@code 0} for
	 * no limit
	 */
	ArgumentParser(boolean smtputf8Enabled, boolean dsnEnabled, long dataSizeLimit, int localPartLimit) {
		this.smtputf8Enabled = smtputf8Enabled;
		this.dsnEnabled = dsnEnabled;
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
		@Nullable DsnReturn ret = null;
		@Nullable String envelopeId = null;
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
					case "RET" -> ret = DsnParameters.parseRet(dsnValue(value, MAIL_PARAMETERS_NOT_RECOGNIZED));
					case "ENVID" ->
						envelopeId = DsnParameters.parseEnvelopeId(dsnValue(value, MAIL_PARAMETERS_NOT_RECOGNIZED));
					case "NOTIFY", "ORCPT" -> throw new SmtpException(
							this.dsnEnabled ? DsnParameters.RCPT_PARAMETER_ON_MAIL : MAIL_PARAMETERS_NOT_RECOGNIZED);
					default -> throw new SmtpException(MAIL_PARAMETERS_NOT_RECOGNIZED);
				}
			}
			checkParameterValues(parameters, smtputf8);
		}
		checkAddress(argument, start, at, close, smtputf8, SENDER_LOCAL_PART_TOO_LONG);
		MailOptions options = (parameters != null) ? new MailOptions(size, body, smtputf8, ret, envelopeId, parameters)
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
		RcptOptions options = RcptOptions.NONE;
		if (parameters != null) {
			Set<DsnNotify> notify = Set.of();
			@Nullable OriginalRecipient originalRecipient = null;
			for (Map.Entry<String, @Nullable String> parameter : parameters.entrySet()) {
				String value = parameter.getValue();
				switch (parameter.getKey()) {
					case "NOTIFY" ->
						notify = DsnParameters.parseNotify(dsnValue(value, RCPT_PARAMETERS_NOT_RECOGNIZED));
					case "ORCPT" -> originalRecipient = DsnParameters.parseOriginalRecipient(
							dsnValue(value, RCPT_PARAMETERS_NOT_RECOGNIZED),
							this.smtputf8Enabled && smtputf8Transaction);
					case "RET", "ENVID" -> throw new SmtpException(
							this.dsnEnabled ? DsnParameters.MAIL_PARAMETER_ON_RCPT : RCPT_PARAMETERS_NOT_RECOGNIZED);
					default -> throw new SmtpException(RCPT_PARAMETERS_NOT_RECOGNIZED);
				}
			}
			checkParameterValues(parameters, smtputf8Transaction);
			options = new RcptOptions(notify, originalRecipient, parameters);
		}
		checkAddress(argument, start, at, close, smtputf8Transaction, RECIPIENT_LOCAL_PART_TOO_LONG);
		return new RcptArgument(argument.substring(start, close), options);
	}

	/**
	 * Returns the value of a DSN parameter, or refuses the parameter as unknown when DSN
	 * is off.
	 */
	private @Nullable String dsnValue(@Nullable String value, Reply notRecognized) {
		if (!this.dsnEnabled) {
			throw new SmtpException(notRecognized);
		}
		return value;
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
		if (AddressSyntax.utf8Length(argument, open, close + 1) > MAX_PATH_OCTETS) {
			throw new SmtpException(tooLong);
		}
		int i = open + 1;
		if (i == close || argument.charAt(i) != '@') {
			return i;
		}
		while (true) {
			i = AddressSyntax.scanDomain(argument, i + 1, close, false);
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
		int at = AddressSyntax.scanLocalPart(argument, start, close);
		if (at < 0 || at == close || argument.charAt(at) != '@'
				|| AddressSyntax.scanDomain(argument, at + 1, close, true) != close) {
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
		if (this.localPartLimit > 0 && at < close
				&& AddressSyntax.utf8Length(argument, start, at) > this.localPartLimit) {
			throw new SmtpException(tooLong);
		}
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
			if (!AddressSyntax.isAlphaDigit(s.charAt(i))) {
				throw new SmtpException(MALFORMED_PARAMETER);
			}
			i++;
			while (i < end && (AddressSyntax.isAlphaDigit(s.charAt(i)) || s.charAt(i) == '-')) {
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
			if (!AddressSyntax.isDigit(c)) {
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
		if ("BINARYMIME".equalsIgnoreCase(value)) {
			// whether the server offers it is the MAIL command's concern
			return BodyType.BINARYMIME;
		}
		throw new SmtpException(BAD_BODY);
	}

	private static boolean isValueChar(char c) {
		return (c >= 33 && c <= 126 && c != '=') || AddressSyntax.isUtf8NonAscii(c);
	}

}
