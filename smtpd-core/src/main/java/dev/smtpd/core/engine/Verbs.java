package dev.smtpd.core.engine;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The built-in verbs and their HELP syntax.
 */
final class Verbs {

	static final Map<String, String> SMTP_SYNTAX;

	static {
		Map<String, String> syntax = new TreeMap<>();
		syntax.put("DATA", "DATA");
		syntax.put("EHLO", "EHLO hostname");
		syntax.put("EXPN", "EXPN <list>");
		syntax.put("HELO", "HELO hostname");
		syntax.put("HELP", "HELP [command]");
		syntax.put("MAIL", "MAIL FROM:<address> [SP <mail-parameters>]");
		syntax.put("NOOP", "NOOP [ignored]");
		syntax.put("QUIT", "QUIT");
		syntax.put("RCPT", "RCPT TO:<address> [SP <rcpt-parameters>]");
		syntax.put("RSET", "RSET");
		syntax.put("VRFY", "VRFY <address>");
		SMTP_SYNTAX = Map.copyOf(syntax);
	}

	private static final Set<String> RESERVED = Set.of("LHLO", "AUTH", "STARTTLS", "BDAT", "ETRN", "TURN", "ATRN");

	/** The verb recorded for a command line that is not a known command. */
	static final String UNKNOWN = "UNKNOWN";

	private Verbs() {
	}

	static boolean isBuiltIn(String verb) {
		return SMTP_SYNTAX.containsKey(verb) || RESERVED.contains(verb);
	}

}
