/**
 * A runnable mail receiver built on the smtpd starter, and its users command line.
 */
@NullMarked
package dev.smtpd.sample;

import org.jspecify.annotations.NullMarked;
