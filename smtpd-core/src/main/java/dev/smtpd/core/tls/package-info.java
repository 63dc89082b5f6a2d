/**
 * TLS settings: STARTTLS and implicit TLS.
 */
@NullMarked
package dev.smtpd.core.tls;

import org.jspecify.annotations.NullMarked;
