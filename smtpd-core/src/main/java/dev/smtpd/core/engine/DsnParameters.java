package dev.smtpd.core.engine;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;

/**
 * The values of the DSN parameters (RFC 3461 §4): {@code RET} and {@code ENVID} of MAIL,
 * {@code NOTIFY} and {@code ORCPT} of RCPT. A malformed value is refused with
 * {@code 501 5.5.4}, and the reply text never echoes it.
 *
 * <p>
 * ENVID and the address of ORCPT are xtext (§4): printable ASCII but {@code +} and
 * {@code =}, and {@code +XX} for a character given in hex (upper or lower case). They are
 * decoded; a decoded character outside printable ASCII and space (a control, or a byte
 * over {@code 7F}) is refused, so a value is safe to copy into a notification's header.
 * For the {@code utf-8} address type (RFC 6533 §3) the address may also hold
 * {@code \x{HEX}} escapes, and, in an SMTPUTF8 transaction, raw non-ASCII characters;
 * both are decoded too.
 */
final class DsnParameters {

	/** RFC 3461 §4.4: an ENVID is at most 100 characters. */
	private static final int MAX_ENVID_LENGTH = 100;

	/** RFC 3461 §4.2: an ORCPT value is at most 500 characters. */
	private static final int MAX_ORCPT_LENGTH = 500;

	private static final int MAX_CODE_POINT_DIGITS = 6;

	private static final Reply BAD_RET = Reply.of(501, "5.5.4", "Syntax: RET=FULL or RET=HDRS");

	private static final Reply BAD_ENVID = Reply.of(501, "5.5.4", "Syntax: ENVID=<xtext>, at most 100 characters");

	private static final Reply BAD_NOTIFY = Reply.of(501, "5.5.4",
			"Syntax: NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY");

	private static final Reply BAD_ORCPT = Reply.of(501, "5.5.4", "Syntax: ORCPT=<addr-type>;<xtext>");

	static final Reply MAIL_PARAMETER_ON_RCPT = Reply.of(501, "5.5.4", "RET and ENVID belong to MAIL FROM");

	static final Reply RCPT_PARAMETER_ON_MAIL = Reply.of(501, "5.5.4", "NOTIFY and ORCPT belong to RCPT TO");

	private DsnParameters() {
	}

	/**
	 * Parses a {@code RET} value, {@code FULL} or {@code HDRS} in any case.
	 */
	static DsnReturn parseRet(@Nullable String value) {
		if ("FULL".equalsIgnoreCase(value)) {
			return DsnReturn.FULL;
		}
		if ("HDRS".equalsIgnoreCase(value)) {
			return DsnReturn.HDRS;
		}
		throw new SmtpException(BAD_RET);
	}

	/**
	 * Parses an {@code ENVID} value: xtext of at most 100 characters, decoded.
	 */
	static String parseEnvelopeId(@Nullable String value) {
		if (value == null || value.length() > MAX_ENVID_LENGTH) {
			throw new SmtpException(BAD_ENVID);
		}
		String decoded = decodeXtext(value, 0, value.length(), false);
		if (decoded == null) {
			throw new SmtpException(BAD_ENVID);
		}
		return decoded;
	}

	/**
	 * Parses a {@code NOTIFY} value: {@code NEVER}, or a comma-separated list of
	 * {@code SUCCESS}, {@code FAILURE} and {@code DELAY}, each at most once, in any case.
	 */
	static Set<DsnNotify> parseNotify(@Nullable String value) {
		if (value == null) {
			throw new SmtpException(BAD_NOTIFY);
		}
		Set<DsnNotify> notify = EnumSet.noneOf(DsnNotify.class);
		int start = 0;
		while (true) {
			int comma = value.indexOf(',', start);
			int end = (comma < 0) ? value.length() : comma;
			DsnNotify item = notifyItem(value.substring(start, end));
			if (item == null || !notify.add(item)) {
				throw new SmtpException(BAD_NOTIFY);
			}
			if (comma < 0) {
				break;
			}
			start = comma + 1;
		}
		if (notify.contains(DsnNotify.NEVER) && notify.size() > 1) {
			throw new SmtpException(BAD_NOTIFY);
		}
		return notify;
	}

	private static @Nullable DsnNotify notifyItem(String item) {
		return switch (item.toUpperCase(Locale.ROOT)) {
			case "NEVER" -> DsnNotify.NEVER;
			case "SUCCESS" -> DsnNotify.SUCCESS;
			case "FAILURE" -> DsnNotify.FAILURE;
			case "DELAY" -> DsnNotify.DELAY;
			default -> null;
		};
	}

	/**
	 * Parses an {@code ORCPT} value: an address type (an atom), a semicolon and the
	 * address as xtext, at most 500 characters in all.
	 * @param smtputf8Transaction whether the MAIL of this transaction carried
	 * {@code SMTPUTF8}, so that a {@code utf-8} address may hold raw non-ASCII characters
	 */
	static OriginalRecipient parseOriginalRecipient(@Nullable String value, boolean smtputf8Transaction) {
		if (value == null || value.length() > MAX_ORCPT_LENGTH) {
			throw new SmtpException(BAD_ORCPT);
		}
		int semicolon = value.indexOf(';');
		if (semicolon <= 0 || semicolon == value.length() - 1) {
			throw new SmtpException(BAD_ORCPT);
		}
		for (int i = 0; i < semicolon; i++) {
			char c = value.charAt(i);
			if (c >= 0x80 || !AddressSyntax.isAtext(c)) {
				throw new SmtpException(BAD_ORCPT);
			}
		}
		String type = value.substring(0, semicolon);
		boolean utf8 = type.equalsIgnoreCase("utf-8");
		String address = decodeXtext(value, semicolon + 1, value.length(), utf8);
		if (address == null || (!smtputf8Transaction && !isAscii(value))) {
			throw new SmtpException(BAD_ORCPT);
		}
		return new OriginalRecipient(type, address);
	}

	/**
	 * Decodes the xtext between {@code start} and {@code end}.
	 * @param utf8 whether RFC 6533's {@code \x{HEX}} escapes and raw non-ASCII characters
	 * are allowed too
	 * @return the decoded text, or {@code null} if it is not well-formed
	 */
	static @Nullable String decodeXtext(String s, int start, int end, boolean utf8) {
		StringBuilder decoded = new StringBuilder(end - start);
		int i = start;
		while (i < end) {
			char c = s.charAt(i);
			if (c == '+') {
				if (i + 2 >= end) {
					return null;
				}
				int hi = hex(s.charAt(i + 1));
				int lo = hex(s.charAt(i + 2));
				if (hi < 0 || lo < 0 || !isPrintable(hi * 16 + lo)) {
					return null;
				}
				decoded.append((char) (hi * 16 + lo));
				i += 3;
			}
			else if (utf8 && c == '\\' && i + 1 < end && s.charAt(i + 1) == 'x') {
				int close = s.indexOf('}', i);
				if (i + 2 >= end || s.charAt(i + 2) != '{' || close < 0 || close >= end) {
					return null;
				}
				int codePoint = parseCodePoint(s, i + 3, close);
				if (codePoint < 0) {
					return null;
				}
				decoded.appendCodePoint(codePoint);
				i = close + 1;
			}
			else if ((c > ' ' && c < 0x7f && c != '=') || (utf8 && AddressSyntax.isUtf8NonAscii(c))) {
				decoded.append(c);
				i++;
			}
			else {
				return null;
			}
		}
		return decoded.toString();
	}

	/**
	 * Parses the hex digits of a {@code \x{HEX}} escape.
	 * @return the code point, or -1 if it is malformed, a surrogate or a control
	 */
	private static int parseCodePoint(String s, int start, int end) {
		if (start == end || end - start > MAX_CODE_POINT_DIGITS) {
			return -1;
		}
		int codePoint = 0;
		for (int i = start; i < end; i++) {
			int digit = hex(s.charAt(i));
			if (digit < 0) {
				return -1;
			}
			codePoint = codePoint * 16 + digit;
		}
		if (codePoint > Character.MAX_CODE_POINT
				|| (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)
				|| Character.isISOControl(codePoint)) {
			return -1;
		}
		return codePoint;
	}

	private static int hex(char c) {
		return AddressSyntax.isHex(c) ? Character.digit(c, 16) : -1;
	}

	private static boolean isPrintable(int c) {
		return c >= ' ' && c < 0x7f;
	}

	private static boolean isAscii(String s) {
		for (int i = 0; i < s.length(); i++) {
			if (s.charAt(i) >= 0x80) {
				return false;
			}
		}
		return true;
	}

}
