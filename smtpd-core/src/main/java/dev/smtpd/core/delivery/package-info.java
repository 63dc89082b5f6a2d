/**
 * The built-in handlers (sink, debugging, Maildir, mbox, relay, parsed MIME). They use
 * only the {@link dev.smtpd.core.handler SPI}, as an application's handler would.
 */
@NullMarked
package dev.smtpd.core.delivery;

import org.jspecify.annotations.NullMarked;
