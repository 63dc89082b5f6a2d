package dev.smtpd.core.delivery;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.Session;

/**
 * Writes a {@code Received:} trace header (RFC 5321 §4.4), with the protocol names of RFC
 * 3848.
 */
final class ReceivedHeader {

	private ReceivedHeader() {
	}

	static byte[] of(Session session, Envelope envelope, String hostname) {
		String helo = (session.heloName() != null) ? clean(session.heloName()) : "unknown";
		String protocol = (session.isExtended() ? "ESMTP" : "SMTP") + ((session.tls() != null) ? "S" : "")
				+ (session.isAuthenticated() ? "A" : "");
		StringBuilder header = new StringBuilder(160);
		header.append("Received: from ").append(helo);
		if (session.unixSocketPath() == null) {
			header.append(" ([").append(session.peerAddress().getAddress().getHostAddress()).append("])");
		}
		// a Unix peer has no address literal to give (RFC 5321 §4.4 TCP-info)
		header.append("\r\n\tby ")
			.append(hostname)
			.append(" with ")
			.append(protocol)
			.append(" id ")
			.append(session.id());
		if (envelope.recipients().size() == 1) {
			header.append("\r\n\tfor <").append(clean(envelope.recipients().get(0).address())).append('>');
		}
		header.append(";\r\n\t")
			.append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()))
			.append("\r\n");
		return header.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static String clean(String text) {
		StringBuilder clean = new StringBuilder(text.length());
		text.codePoints().forEach((c) -> clean.appendCodePoint((c < 0x20 || c == 0x7f) ? '?' : c));
		return clean.toString();
	}

}
