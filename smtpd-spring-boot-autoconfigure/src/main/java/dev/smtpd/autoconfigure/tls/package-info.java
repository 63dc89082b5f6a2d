/**
 * TLS for the SMTP server from Spring SSL bundles.
 */
@NullMarked
package dev.smtpd.autoconfigure.tls;

import org.jspecify.annotations.NullMarked;
