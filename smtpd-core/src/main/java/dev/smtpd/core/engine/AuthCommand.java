package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.Reply;

/**
 * AUTH (RFC 4954). The mechanism runs on the hook executor and talks to the client through
 * {@link SaslExchange}; the outcome is applied to the session back on the event loop. Failed
 * attempts are answered after a delay that grows per client address, and an address that used up its
 * attempts is answered {@code 421} and closed.
 */
final class AuthCommand {

	static final Reply SUCCESS = Reply.of(235, "2.7.0", "Authentication successful");

	private static final Reply NEED_EHLO = Reply.of(503, "5.5.1", "Error: send EHLO first");

	private static final Reply ALREADY = Reply.of(503, "5.5.1", "Already authenticated");

	private static final Reply IN_TRANSACTION = Reply.of(503, "5.5.1", "Error: AUTH not allowed during a mail transaction");

	private static final Reply NEED_TLS = Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism");

	private static final Reply UNKNOWN_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type");

	private static final Reply SYNTAX = Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");

	static final Reply CANNOT_DECODE = Reply.of(501, "5.5.2", "Cannot decode response");

	private static final Reply CANCELLED = Reply.of(501, "5.7.0", "Authentication cancelled");

	private AuthCommand() {
	}

	/**
	 * Returns the EHLO keyword for AUTH, or {@code null} when AUTH is not offered to this session now.
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
			handler.replyAndClose(tooManyFailures(config), SessionEnd.LIMIT);
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
			initialResponse = decode(parts[1]);
			if (initialResponse == null) {
				handler.reply(CANNOT_DECODE);
				return;
			}
		}
		SaslExchange exchange = new SaslExchange(handler, mechanism.name(), initialResponse);
		String name = mechanism.name().toUpperCase(Locale.ROOT);
		handler.runOffLoop(() -> exchange.run(mechanism), (reply) -> finish(handler, exchange, reply, address, name));
	}

	private static void finish(CommandContext handler, SaslExchange exchange, Reply reply, InetAddress address,
			String mechanism) {
		ServerContext server = handler.server();
		AuthResult result = exchange.result();
		Listeners listeners = server.listeners();
		if (exchange.isCancelled()) {
			listeners.authCompleted(handler.session(), mechanism, AuthOutcome.CANCELLED);
			handler.reply(CANCELLED);
		}
		else if (reply != null) {
			listeners.authCompleted(handler.session(), mechanism,
					(reply.code() == 501) ? AuthOutcome.CANCELLED : AuthOutcome.ERROR);
			handler.reply(reply);
		}
		else if (result != null && result.success() && result.identity() != null) {
			listeners.authCompleted(handler.session(), mechanism, AuthOutcome.SUCCESS);
			handler.session().authenticated(result.identity(), result.authData());
			server.authThrottle().succeeded(address);
			handler.reply((result.reply() != null) ? result.reply() : SUCCESS);
		}
		else {
			listeners.authCompleted(handler.session(), mechanism, AuthOutcome.FAILURE);
			long delay = server.authThrottle().failed(address);
			Reply failure = (result != null && result.reply() != null) ? result.reply() : Reply.AUTH_FAILED;
			boolean blocked = server.authThrottle().isBlocked(address);
			handler.schedule(() -> {
				if (blocked) {
					handler.write(failure);
					handler.replyAndClose(tooManyFailures(handler.config()), SessionEnd.LIMIT);
				}
				else {
					handler.reply(failure);
				}
			}, delay);
		}
	}

	private static Reply tooManyFailures(SmtpServerConfig config) {
		return Reply.of(421, "4.7.0", config.hostname() + " Too many failed authentication attempts, closing");
	}

	/**
	 * Decodes a base64 response; {@code =} is the empty response.
	 * @return the bytes, or {@code null} if the text is not base64
	 */
	static byte[] decode(String text) {
		if (text.equals("=")) {
			return new byte[0];
		}
		try {
			return Base64.getDecoder().decode(text);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

}
