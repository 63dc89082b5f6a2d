package dev.smtpd.test.spring.sender;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The example application that sends mail: Spring Boot's auto-configured
 * {@code JavaMailSender} (from {@code spring.mail.*}) and a mailer that retries on
 * transient failures.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WelcomeMailer.class)
public class SenderApplication {

}
