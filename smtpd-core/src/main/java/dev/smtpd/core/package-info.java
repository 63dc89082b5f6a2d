/**
 * An embedded SMTP and LMTP server on Netty: {@link dev.smtpd.core.SmtpServer} and its
 * configuration.
 */
@NullMarked
package dev.smtpd.core;

import org.jspecify.annotations.NullMarked;
