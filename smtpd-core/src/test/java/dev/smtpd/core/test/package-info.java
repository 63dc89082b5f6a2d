/**
 * Test support: a server on a free loopback port, a raw SMTP client, certificates and the
 * leak check.
 */
@NullMarked
package dev.smtpd.core.test;

import org.jspecify.annotations.NullMarked;
