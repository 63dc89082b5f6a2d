/**
 * AUTH (RFC 4954): authenticators, results, credentials, and SASL mechanisms (PLAIN and
 * LOGIN built in).
 */
@NullMarked
package dev.smtpd.core.auth;

import org.jspecify.annotations.NullMarked;
