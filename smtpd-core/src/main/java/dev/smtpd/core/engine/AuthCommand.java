package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.util.Locale;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.Reply;

/**
 * AUTH (RFC 4954): checks that AUTH may start now and with what, then hands the exchange
 * to a {@link SaslDriver}. An address that used up its failed attempts is answered
 * {@code 421} and closed.
 */
final class AuthCommand {

	private static final Reply NEED_EHLO = Reply.of(503, "5.5.1", "Error: send EHLO first");

	private static final Reply ALREADY = Reply.of(503, "5.5.1", "Already authenticated");

	private static final Reply IN_TRANSACTION = Reply.of(503, "5.5.1",
			"Error: AUTH not allowed during a mail transaction");

	private static final Reply NEED_TLS = Reply.of(538, "5.7.11",
			"Encryption required for requested authentication mechanism");

	private static final Reply UNKNOWN_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type");

	private static final Reply SYNTAX = Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");

	private AuthCommand() {
	}

	/**
	 * Returns the EHLO keyword for AUTH, or {@code null} when AUTH is not offered to this
	 * session now.
	 */
	static String keyword(ServerContext server, SessionState session) {
		if (!isOffered(server, session) || server.authMechanisms().isEmpty()) {
			return null;
		}
		return "AUTH " + String.join(" ", server.authMechanisms().keySet());
	}

	private static boolean isOffered(ServerContext server, SessionState session) {
		return server.authenticator() != null && (!server.config().auth().requireTls() || session.tls() != null);
	}

	static void auth(CommandContext handler, String argument) {
		ServerContext server = handler.server();
		SessionState session = handler.session();
		SmtpServerConfig config = handler.config();
		if (server.authenticator() == null) {
			handler.reply(Reply.NOT_IMPLEMENTED);
			return;
		}
		if (!session.isExtended()) {
			handler.reply(NEED_EHLO);
			return;
		}
		if (!isOffered(server, session)) {
			handler.reply(NEED_TLS);
			return;
		}
		if (session.isAuthenticated()) {
			handler.reply(ALREADY);
			return;
		}
		if (handler.transaction().hasSender()) {
			handler.reply(IN_TRANSACTION);
			return;
		}
		InetAddress address = session.peerAddress().getAddress();
		if (server.authThrottle().isBlocked(address)) {
			handler.replyAndClose(SaslDriver.tooManyFailures(config), SessionEnd.LIMIT);
			return;
		}
		if (server.rateGate().refused(handler, RateLimiter.Event.AUTH)) {
			return;
		}
		String[] parts = argument.split(" ", -1);
		if (parts[0].isEmpty() || parts.length > 2) {
			handler.reply(SYNTAX);
			return;
		}
		AuthMechanism mechanism = server.authMechanisms().get(parts[0].toUpperCase(Locale.ROOT));
		if (mechanism == null) {
			handler.reply(UNKNOWN_MECHANISM);
			return;
		}
		byte[] initialResponse = null;
		if (parts.length == 2) {
			initialResponse = parts[1].equals("=") ? new byte[0] : SaslDriver.decode(parts[1]);
			if (initialResponse == null) {
				handler.reply(SaslDriver.CANNOT_DECODE);
				return;
			}
		}
		SaslDriver.start(handler, mechanism, initialResponse, address);
	}

}
