package dev.smtpd.core.protocol;

/**
 * A parsed MAIL command.
 *
 * @param address the sender without angle brackets, {@code ""} for the null reverse path
 * @param options the parameters
 */
record MailArgument(String address, MailOptions options) {
}
