/**
 * The SMTP server in the application context:
 * {@link dev.smtpd.autoconfigure.context.LocalSmtpdPort}.
 */
@NullMarked
package dev.smtpd.autoconfigure.context;

import org.jspecify.annotations.NullMarked;
