package dev.smtpd.core.protocol;
final class ArgumentParser {
	ArgumentParser(boolean smtputf8Enabled, long dataSizeLimit, int localPartLimit) {}
	MailArgument parseMail(String argument) { throw new UnsupportedOperationException(); }
	RcptArgument parseRcpt(String argument, boolean smtputf8Transaction) { throw new UnsupportedOperationException(); }
	public static boolean isValidDomain(String s) { return true; }
}
