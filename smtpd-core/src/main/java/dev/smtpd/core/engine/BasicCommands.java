package dev.smtpd.core.engine;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NOOP, VRFY, HELP, QUIT and custom commands.
 */
final class BasicCommands {

	private static final Logger logger = LoggerFactory.getLogger(BasicCommands.class);

	private static final Reply CANNOT_VRFY = Reply.of(252, "2.5.0",
			"Cannot VRFY user, but will accept message and attempt delivery");

	private BasicCommands() {
	}

	static void noop(CommandContext session, String argument) {
		SessionState state = session.session();
		session.runHook(Hook.NOOP, (handler) -> handler.noop(state, argument),
				(reply) -> session.reply((reply != null) ? reply : Reply.OK));
	}

	static void vrfy(CommandContext session, String argument) {
		if (!isVrfyArgument(argument)) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: VRFY <address>"));
			return;
		}
		SessionState state = session.session();
		session.runHook(Hook.VRFY, (handler) -> handler.vrfy(state, argument),
				(reply) -> session.reply((reply != null) ? reply : CANNOT_VRFY));
	}

	/**
	 * Returns whether the argument can name a user: a string (RFC 5321 §4.1.1.6, an atom,
	 * a dot-string or a quoted string) or a mailbox, with or without angle brackets.
	 * Anything else ({@code @@}, a bare domain, control characters) is a syntax error.
	 */
	static boolean isVrfyArgument(String argument) {
		int start = 0;
		int end = argument.length();
		if (end >= 2 && argument.charAt(0) == '<' && argument.charAt(end - 1) == '>') {
			start++;
			end--;
		}
		int local = AddressSyntax.scanLocalPart(argument, start, end);
		if (local == end) {
			return true;
		}
		return local > start && argument.charAt(local) == '@'
				&& AddressSyntax.scanDomain(argument, local + 1, end, true) == end;
	}

	static void help(CommandContext session, String argument) {
		Map<String, String> syntax = new TreeMap<>(Verbs.SMTP_SYNTAX);
		if (session.config().protocol() == Protocol.LMTP) {
			syntax.remove("HELO");
			syntax.remove("EHLO");
			syntax.put("LHLO", "LHLO hostname");
		}
		if (session.server().authenticator() != null && !session.server().authMechanisms().isEmpty()) {
			syntax.put("AUTH", "AUTH <mechanism> [<initial-response>]");
		}
		if (session.server().offersStarttls()) {
			syntax.put("STARTTLS", "STARTTLS");
		}
		session.server().commands().forEach((verb, command) -> syntax.put(verb, command.syntax()));
		String supported = "Supported commands: " + String.join(" ", syntax.keySet());
		if (argument.isEmpty()) {
			session.reply(Reply.of(214, "2.0.0", supported));
			return;
		}
		String help = syntax.get(argument.toUpperCase(Locale.ROOT));
		session.reply((help != null) ? Reply.of(214, "2.0.0", "Syntax: " + help) : Reply.of(501, "5.5.4", supported));
	}

	static void quit(CommandContext session, String argument) {
		if (!argument.isEmpty()) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: QUIT"));
			return;
		}
		SessionState state = session.session();
		session.runHook(Hook.QUIT, (handler) -> handler.quit(state),
				(reply) -> session.replyAndClose(
						(reply != null) ? reply : Reply.of(221, "2.0.0", session.config().hostname() + " Bye"),
						SessionEnd.QUIT));
	}

	static void custom(CommandContext session, SmtpCommand command, String argument) {
		SessionState state = session.session();
		TransactionState transaction = session.transaction();
		session.runOffLoop(() -> {
			try {
				return command.execute(state, transaction, argument);
			}
			catch (SmtpException ex) {
				return ex.getReply();
			}
			catch (Exception ex) {
				logger.warn("Session {}: command {} failed", state.id(), command.verb(), ex);
				return Reply.LOCAL_ERROR;
			}
		}, (reply) -> session.reply((reply != null) ? reply : Reply.OK));
	}

}
