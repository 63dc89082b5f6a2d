/**
 * The handler SPI: hooks, session, envelope, message content, custom commands, and the built-in handlers.
 */
@NullMarked
package dev.smtpd.core.handler;

import org.jspecify.annotations.NullMarked;
