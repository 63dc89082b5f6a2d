/**
 * The mail catcher in Spring tests:
 * {@link dev.smtpd.test.spring.AutoConfigureMailCatcher} on a {@code @SpringBootTest}.
 * Needs {@code spring-test} and {@code spring-boot-test} (in
 * {@code spring-boot-starter-test}).
 */
@NullMarked
package dev.smtpd.test.spring;

import org.jspecify.annotations.NullMarked;
