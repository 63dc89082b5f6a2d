/**
 * A password authenticator over {@code smtpd.auth.users.*} and the users file.
 */
@NullMarked
package dev.smtpd.autoconfigure.security;

import org.jspecify.annotations.NullMarked;
