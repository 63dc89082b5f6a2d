package dev.smtpd.core.engine;

import java.util.ArrayList;
import java.util.List;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.handler.Reply;

/**
 * HELO and EHLO (RFC 5321 §4.1.1.1). A greeting resets the transaction; the name is
 * recorded only when the greeting is accepted.
 */
final class GreetingCommands {

	private GreetingCommands() {
	}

	static void greet(CommandContext session, boolean extended, String argument) {
		String verb = extended ? "EHLO" : "HELO";
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
		keywords.add("PIPELINING");
		keywords.add("ENHANCEDSTATUSCODES");
		keywords.add("HELP");
		return keywords;
	}

}
