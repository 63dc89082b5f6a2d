/**
 * Test support for the auto-configuration tests.
 */
@NullMarked
package dev.smtpd.autoconfigure.test;

import org.jspecify.annotations.NullMarked;
