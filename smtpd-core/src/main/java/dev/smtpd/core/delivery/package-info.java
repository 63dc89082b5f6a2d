/**
 * The built-in handlers (sink, debugging, Maildir, mbox, relay, parsed MIME, memory).
 * They use only the {@link dev.smtpd.core.handler SPI}, as an application's handler
 * would.
 */
@NullMarked
package dev.smtpd.core.delivery;

import org.jspecify.annotations.NullMarked;
