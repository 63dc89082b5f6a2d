package dev.smtpd.core.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.RcptOptions;

/**
 * Writes the DSN parameters (RFC 3461 §4) of a transaction back onto MAIL and RCPT
 * command lines for a relay, from their typed values: ENVID and an ORCPT address encoded
 * as xtext ({@code +XX} for {@code +}, {@code =}, space, controls and each UTF-8 octet of
 * a non-ASCII character), a {@code utf-8} ORCPT address as RFC 6533's utf-8-addr-xtext
 * ({@code \x{HEX}} for those and for {@code \} and non-ASCII characters).
 */
final class DsnArguments {

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private DsnArguments() {
	}

	/**
	 * Appends {@code RET} and {@code ENVID}, where given.
	 */
	static void appendMail(StringBuilder line, MailOptions options) {
		DsnReturn ret = options.ret();
		if (ret != null) {
			line.append(" RET=").append(ret.name());
		}
		String envelopeId = options.envelopeId();
		if (envelopeId != null) {
			line.append(" ENVID=");
			encode(line, envelopeId, false);
		}
	}

	/**
	 * Appends {@code NOTIFY} and {@code ORCPT}, where given.
	 */
	static void appendRcpt(StringBuilder line, RcptOptions options) {
		if (!options.notifyOn().isEmpty()) {
			line.append(" NOTIFY=")
				.append(options.notifyOn().stream().map(DsnNotify::name).collect(Collectors.joining(",")));
		}
		OriginalRecipient original = options.originalRecipient();
		if (original != null) {
			line.append(" ORCPT=").append(original.addressType()).append(';');
			encode(line, original.address(), original.addressType().toLowerCase(Locale.ROOT).equals("utf-8"));
		}
	}

	static void encode(StringBuilder line, String text, boolean utf8) {
		text.codePoints().forEach((c) -> {
			if (c > ' ' && c < 0x7f && c != '+' && c != '=' && !(utf8 && c == '\\')) {
				line.appendCodePoint(c);
			}
			else if (utf8) {
				line.append("\\x{").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append('}');
			}
			else {
				for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
					line.append('+').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
				}
			}
		});
	}

}
