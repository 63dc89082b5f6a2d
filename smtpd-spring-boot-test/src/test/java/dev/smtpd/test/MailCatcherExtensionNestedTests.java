package dev.smtpd.test;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * In a static field the extension's catcher serves the whole class, its {@code @Nested}
 * classes included: one catcher, started once and stopped once, reset after each test.
 */
class MailCatcherExtensionNestedTests {

	@RegisterExtension
	static final MailCatcherExtension mail = new MailCatcherExtension();

	private static MailCatcher started;

	@BeforeAll
	static void remember() {
		started = mail.catcher();
	}

	@Test
	void theClassHasOneCatcher() throws Exception {
		assertThat(mail.catcher()).isSameAs(started);
		TestSmtpClient.send(mail.port(), "a@example.com", List.of("b@example.com"), "Subject: outer\n\nx\n");
		assertThat(mail.inbox()).hasMessages(1);
	}

	@Test
	void aClientSeesTheCloseBehindRepliesItDidNotRead() throws Exception {
		try (TestSmtpClient client = TestSmtpClient.connect(mail.port())) {
			client.send("NOOP\r\nQUIT\r\n");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Nested
	class Inner {

		@Test
		void aNestedClassSharesTheCatcher() throws Exception {
			assertThat(mail.catcher()).isSameAs(started);
			assertThat(mail.inbox()).hasMessages(0);
			TestSmtpClient.send(mail.port(), "a@example.com", List.of("b@example.com"), "Subject: inner\n\nx\n");
			assertThat(mail.inbox()).hasMessages(1);
		}

	}

	@Nested
	class AfterTheFirstNestedClass {

		@Test
		void theCatcherStillRuns() {
			assertThat(mail.catcher()).isSameAs(started);
			assertThat(started.server().isRunning()).isTrue();
		}

	}

}
