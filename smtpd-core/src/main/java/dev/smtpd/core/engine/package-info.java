/**
 * The engine on Netty: pipeline, command framing, DATA decoding, the session state
 * machine, the commands, the connection limiter, STARTTLS and the SASL driver. Not an
 * API: only {@link dev.smtpd.core.SmtpServer} uses it.
 */
@NullMarked
package dev.smtpd.core.engine;

import org.jspecify.annotations.NullMarked;
