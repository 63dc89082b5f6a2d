package dev.smtpd.core.protocol;

/**
 * A parsed RCPT command.
 *
 * @param address the recipient without angle brackets or source route
 * @param options the parameters
 */
record RcptArgument(String address, RcptOptions options) {
}
