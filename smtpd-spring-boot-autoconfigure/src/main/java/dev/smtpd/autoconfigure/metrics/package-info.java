/**
 * Micrometer meters for the SMTP server.
 */
@NullMarked
package dev.smtpd.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
