/**
 * Auto-configuration of the embedded SMTP server: the {@code smtpd.*} properties, the
 * server, its lifecycle and its customizers.
 */
@NullMarked
package dev.smtpd.autoconfigure;

import org.jspecify.annotations.NullMarked;
