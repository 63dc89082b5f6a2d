package dev.smtpd.test.spring;

import java.util.List;

import dev.smtpd.test.MailCatcher;
import dev.smtpd.test.TestSmtpClient;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Each annotated test class gets a catcher of its own, so classes running in parallel
 * never see each other's mail; the catcher closes with its context.
 */
class MailCatcherContextCustomizerTests {

	private final MailCatcherContextCustomizerFactory factory = new MailCatcherContextCustomizerFactory();

	@Test
	void classWithoutTheAnnotationGetsNoCatcher() {
		assertThat(this.factory.createContextCustomizer(Plain.class, List.of())).isNull();
	}

	@Test
	void eachAnnotatedClassHasACustomizerOfItsOwnSoAContextOfItsOwn() {
		ContextCustomizer first = this.factory.createContextCustomizer(First.class, List.of());
		assertThat(first).isNotNull()
			.isEqualTo(this.factory.createContextCustomizer(First.class, List.of()))
			.isNotEqualTo(this.factory.createContextCustomizer(Second.class, List.of()));
	}

	@Test
	void twoContextsHaveTwoCatchersThatDoNotShareMail() throws Exception {
		try (AnnotationConfigApplicationContext first = context(First.class);
				AnnotationConfigApplicationContext second = context(Second.class)) {
			MailCatcher one = first.getBean(MailCatcher.class);
			MailCatcher two = second.getBean(MailCatcher.class);
			assertThat(one.port()).isNotEqualTo(two.port());
			assertThat(first.getEnvironment().getProperty("spring.mail.port", Integer.class)).isEqualTo(one.port());
			assertThat(one.inbox().messages()).isEmpty();
			TestSmtpClient.send(one.port(), "a@example.com", List.of("b@example.com"), "Subject: one\n\nx\n");
			assertThat(one.inbox()).hasMessages(1);
			assertThat(two.inbox()).hasNoMessages();
			assertThat(second.getBean(dev.smtpd.test.Inbox.class)).isSameAs(two.inbox());
		}
	}

	@Test
	void closingTheContextStopsTheCatcher() {
		int port;
		try (AnnotationConfigApplicationContext context = context(First.class)) {
			port = context.getBean(MailCatcher.class).port();
		}
		assertThatIOException().isThrownBy(() -> TestSmtpClient.connect(port).close());
	}

	private AnnotationConfigApplicationContext context(Class<?> testClass) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		ContextCustomizer customizer = this.factory.createContextCustomizer(testClass, List.of());
		assertThat(customizer).isNotNull();
		customizer.customizeContext(context,
				new MergedContextConfiguration(testClass, new String[0], new Class<?>[0], new String[0], null));
		context.refresh();
		return context;
	}

	static class Plain {

	}

	@AutoConfigureMailCatcher
	static class First {

	}

	@AutoConfigureMailCatcher(maxMessages = 10)
	static class Second {

	}

}
