/**
 * The SPI a handler author imports: {@link dev.smtpd.core.handler.SmtpHandler} and its
 * hooks, {@link dev.smtpd.core.handler.Session}, {@link dev.smtpd.core.handler.Envelope},
 * {@link dev.smtpd.core.handler.MessageContent}, {@link dev.smtpd.core.handler.Reply},
 * the typed command options and {@link dev.smtpd.core.handler.SmtpCommand}. It imports
 * nothing else of this project.
 */
@NullMarked
package dev.smtpd.core.handler;

import org.jspecify.annotations.NullMarked;
