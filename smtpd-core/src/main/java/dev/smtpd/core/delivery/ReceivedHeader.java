package dev.smtpd.core.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.Session;

/**
 * Writes a {@code Received:} trace header (RFC 5321 §4.4), with the protocol names of RFC
 * 3848 ({@code ESMTPSA}, {@code LMTP}, ...) and of RFC 6531 for a transaction with
 * SMTPUTF8 ({@code UTF8SMTPS}, ...). The client's HELO name is the from-domain when it is
 * a domain or an address literal; anything else goes into a comment, so a client cannot
 * make the header name an address it does not have.
 */
final class ReceivedHeader {

	/**
	 * A domain (RFC 5321 §4.1.2, U-labels allowed as RFC 6531 does) or an address
	 * literal.
	 */
	private static final Pattern FROM_DOMAIN = Pattern
		.compile("(?U)[\\p{Alnum}](?:[\\p{Alnum}-]*[\\p{Alnum}])?(?:\\.[\\p{Alnum}](?:[\\p{Alnum}-]*[\\p{Alnum}])?)*"
				+ "|\\[\\d{1,3}(?:\\.\\d{1,3}){3}\\]|\\[IPv6:[0-9A-Fa-f:.]+\\]");

	/** RFC 5322 §3.3 with a numeric zone, never the obsolete {@code GMT}. */
	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
			Locale.ROOT);

	private ReceivedHeader() {
	}

	static byte[] of(Session session, Envelope envelope, String hostname) {
		StringBuilder header = new StringBuilder(160);
		header.append("Received: from ");
		String helo = session.heloName();
		String literal = (session.unixSocketPath() == null) ? addressLiteral(session.peerAddress().getAddress()) : null;
		if (helo != null && FROM_DOMAIN.matcher(helo).matches()) {
			header.append(helo);
			if (literal != null) {
				header.append(" (").append(literal).append(')');
			}
		}
		else {
			// a Unix peer has no address literal to give (RFC 5321 §4.4 TCP-info)
			header.append((literal != null) ? literal : "localhost");
			header.append(" (HELO ").append((helo != null) ? commentText(helo) : "not given").append(')');
		}
		header.append("\r\n\tby ")
			.append(hostname)
			.append(" with ")
			.append(protocol(session, envelope))
			.append(" id ")
			.append(session.id());
		if (envelope.recipients().size() == 1) {
			header.append("\r\n\tfor <").append(commentText(envelope.recipients().get(0).address())).append('>');
		}
		header.append(";\r\n\t").append(DATE.format(ZonedDateTime.now())).append("\r\n");
		return header.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static String protocol(Session session, Envelope envelope) {
		String base;
		if (envelope.isSmtputf8()) {
			base = session.isLmtp() ? "UTF8LMTP" : "UTF8SMTP";
		}
		else if (session.isLmtp()) {
			base = "LMTP";
		}
		else {
			base = session.isExtended() ? "ESMTP" : "SMTP";
		}
		return base + ((session.tls() != null) ? "S" : "") + (session.isAuthenticated() ? "A" : "");
	}

	/** RFC 5321 §4.1.3: {@code [192.0.2.1]}, {@code [IPv6:2001:db8:0:0:0:0:0:1]}. */
	private static String addressLiteral(InetAddress address) {
		String text = address.getHostAddress();
		int scope = text.indexOf('%');
		if (scope >= 0) {
			text = text.substring(0, scope);
		}
		return (address instanceof Inet6Address) ? "[IPv6:" + text + "]" : "[" + text + "]";
	}

	/** What may stand in a comment or an address: no controls, no comment delimiters. */
	private static String commentText(String text) {
		StringBuilder clean = new StringBuilder(text.length());
		text.codePoints()
			.forEach((c) -> clean
				.appendCodePoint((c < 0x20 || c == 0x7f || c == '(' || c == ')' || c == '\\') ? '?' : c));
		return clean.toString();
	}

}
