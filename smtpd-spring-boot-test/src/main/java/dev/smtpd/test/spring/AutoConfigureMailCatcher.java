package dev.smtpd.test.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts a {@link dev.smtpd.test.MailCatcher} for a Spring test class and points Spring
 * Boot's mail properties at it ({@code spring.mail.host=127.0.0.1},
 * {@code spring.mail.port=<its port>}), so an auto-configured {@code JavaMailSender}
 * sends to it with no further set-up. The catcher, its {@link dev.smtpd.test.Inbox} and
 * its {@link dev.smtpd.test.Faults} are beans the test can inject.
 * <p>
 * Each annotated test class gets an application context and a catcher of its own (closed
 * after the class), so classes that run in parallel never see each other's mail; the
 * catcher is {@linkplain dev.smtpd.test.MailCatcher#reset() reset} before each test
 * method. <pre class="code">
 * &#64;SpringBootTest
 * &#64;AutoConfigureMailCatcher
 * class WelcomeMailTests {
 *
 *     &#64;Autowired Inbox inbox;
 *
 *     &#64;Test
 *     void sendsWelcomeMail(&#64;Autowired SignupService signups) {
 *         signups.register("bob@example.com");
 *         assertThat(inbox).singleMessage().hasSubject("Welcome");
 *     }
 * }
 * </pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureMailCatcher {

	/**
	 * How many messages the inbox keeps; past it the oldest is dropped.
	 * @return the bound
	 */
	int maxMessages() default 1000;

}
