/**
 * The {@code smtpd} actuator endpoint and health indicator.
 */
@NullMarked
package dev.smtpd.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
