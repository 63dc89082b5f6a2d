/**
 * The SMTP protocol: replies, typed command arguments, and the engine (state machine, command
 * framing, DATA decoding) that runs on Netty.
 */
@NullMarked
package dev.smtpd.core.protocol;

import org.jspecify.annotations.NullMarked;
