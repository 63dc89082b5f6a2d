/**
 * Micrometer observations of SMTP sessions and mail transactions.
 */
@NullMarked
package dev.smtpd.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
