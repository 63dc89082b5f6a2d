/**
 * The SMTP server in the application context: its lifecycle
 * ({@link dev.smtpd.autoconfigure.context.SmtpServerLifecycle}), the drain before it
 * stops ({@link dev.smtpd.autoconfigure.context.SmtpServerDrain}), the event published
 * once it listens ({@link dev.smtpd.autoconfigure.context.SmtpServerStartedEvent}) and
 * the port it got ({@link dev.smtpd.autoconfigure.context.LocalSmtpdPort}).
 */
@NullMarked
package dev.smtpd.autoconfigure.context;

import org.jspecify.annotations.NullMarked;
