package dev.smtpd.core.engine;

import java.util.ArrayList;
import java.util.List;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.handler.Reply;

/**
 * HELO and EHLO (RFC 5321 §4.1.1.1). A greeting resets the transaction; the name is
 * recorded only when the greeting is accepted.
 */
final class GreetingCommands {

	private static final Reply USE_LHLO = Reply.of(500, "5.5.1", "Error: this is an LMTP server, send LHLO");

	private GreetingCommands() {
	}

	/**
	 * Answers HELO, EHLO or LHLO. An LMTP server takes only LHLO (RFC 2033 §4.1), which
	 * is EHLO under another name (the EHLO hook sees it); an SMTP server does not know
	 * LHLO.
	 * @param session the session
	 * @param verb {@code HELO}, {@code EHLO} or {@code LHLO}
	 * @param argument the argument
	 */
	static void greet(CommandContext session, String verb, String argument) {
		boolean lmtp = session.config().protocol() == Protocol.LMTP;
		if (lmtp != verb.equals("LHLO")) {
			if (lmtp) {
				session.reply(USE_LHLO);
			}
			else {
				session.unrecognized();
			}
			return;
		}
		boolean extended = !verb.equals("HELO");
		int space = argument.indexOf(' ');
		String name = (space < 0) ? argument : argument.substring(0, space);
		if (name.isEmpty()) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: " + verb + " hostname"));
			return;
		}
		session.resetTransaction();
		SessionState state = session.session();
		SmtpServerConfig config = session.config();
		if (!extended) {
			session.runHook(Hook.HELO, (handler) -> handler.helo(state, name), (reply) -> {
				if (reply == null || reply.isPositive()) {
					state.greeted(name, false);
				}
				session.reply((reply != null) ? reply : Reply.of(250, null, config.hostname()));
			});
			return;
		}
		List<String> keywords = keywords(config);
		if (session.server().offersStarttls() && state.tls() == null) {
			keywords.add(keywords.size() - 1, "STARTTLS");
		}
		String auth = AuthCommand.keyword(session.server(), state);
		if (auth != null) {
			keywords.add(keywords.size() - 1, auth);
		}
		session.runHook(Hook.EHLO, (handler) -> handler.ehlo(state, name, keywords), (reply) -> {
			if (reply == null || reply.isPositive()) {
				state.greeted(name, true);
			}
			if (reply != null) {
				session.reply(reply);
				return;
			}
			List<String> lines = new ArrayList<>(keywords.size() + 1);
			lines.add(config.hostname());
			lines.addAll(keywords);
			session.reply(new Reply(250, null, lines));
		});
	}

	static List<String> keywords(SmtpServerConfig config) {
		List<String> keywords = new ArrayList<>(8);
		keywords.add((config.limits().dataSizeLimit() > 0) ? "SIZE " + config.limits().dataSizeLimit() : "SIZE");
		keywords.add("8BITMIME");
		if (config.extensions().smtputf8()) {
			keywords.add("SMTPUTF8");
		}
		if (config.extensions().dsn()) {
			keywords.add("DSN");
		}
		keywords.add("PIPELINING");
		if (config.extensions().chunking()) {
			keywords.add("CHUNKING");
		}
		if (config.extensions().binarymime()) {
			keywords.add("BINARYMIME");
		}
		keywords.add("ENHANCEDSTATUSCODES");
		keywords.add("HELP");
		return keywords;
	}

}
