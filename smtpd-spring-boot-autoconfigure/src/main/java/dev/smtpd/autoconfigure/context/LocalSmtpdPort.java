package dev.smtpd.autoconfigure.context;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Value;

/**
 * Annotation at the field or method/constructor parameter level that injects the port the
 * SMTP server listens on, once it started. A convenient alternative to
 * {@code @Value("${local.smtpd.port}")}, as Spring Boot's {@code @LocalServerPort} is for
 * the web server; with {@code smtpd.port=0} a test gets the free port the server picked:
 * <pre class="code">
 * &#64;SpringBootTest(properties = "smtpd.port=0")
 * class InboxTests {
 *
 *     &#64;LocalSmtpdPort
 *     int port;
 *
 * }
 * </pre> The port is published by {@link SmtpServerLifecycle} when the server starts, so
 * inject it into tests and into beans created after the context was refreshed, not into
 * the beans the server is built from.
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Value("${local.smtpd.port}")
public @interface LocalSmtpdPort {

}
