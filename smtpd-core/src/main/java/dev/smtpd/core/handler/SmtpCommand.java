package dev.smtpd.core.handler;

import dev.smtpd.core.handler.Reply;

/**
 * A command of your own, such as aiosmtpd's {@code smtp_PING} example. It is listed by
 * HELP and runs on the hook executor. Built-in verbs cannot be replaced.
 */
public interface SmtpCommand {

	/**
	 * Returns the verb, such as {@code PING}; matched case-insensitively.
	 * @return the verb
	 */
	String verb();

	/**
	 * Returns the syntax shown by {@code HELP <verb>}, such as {@code "PING [<text>]"}.
	 * @return the syntax
	 */
	String syntax();

	/**
	 * Runs the command.
	 * @param session the session
	 * @param envelope the transaction under way
	 * @param argument the text after the verb, empty if none
	 * @return the reply
	 */
	Reply execute(Session session, Envelope envelope, String argument) throws Exception;

}
