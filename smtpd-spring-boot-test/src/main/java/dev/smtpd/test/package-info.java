/**
 * Test support without Spring: a {@link dev.smtpd.test.MailCatcher} on a free loopback
 * port, its {@link dev.smtpd.test.Inbox}, {@link dev.smtpd.test.Faults fault injection},
 * the JUnit 5 {@link dev.smtpd.test.MailCatcherExtension}, AssertJ
 * {@link dev.smtpd.test.MailAssertions assertions} and a
 * {@link dev.smtpd.test.TestSmtpClient} for applications that receive mail.
 */
@NullMarked
package dev.smtpd.test;

import org.jspecify.annotations.NullMarked;
