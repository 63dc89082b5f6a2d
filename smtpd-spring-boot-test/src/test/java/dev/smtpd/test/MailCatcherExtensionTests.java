package dev.smtpd.test;

import java.util.List;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * In an instance field the extension gives each test a catcher of its own: each
 * repetition sees only its own message, whatever ran before.
 */
class MailCatcherExtensionTests {

	@RegisterExtension
	final MailCatcherExtension mail = new MailCatcherExtension((catcher) -> catcher.maxMessages(5));

	@RepeatedTest(2)
	void eachTestHasItsOwnCatcher(MailCatcher catcher, Faults faults) throws Exception {
		assertThat(catcher).isSameAs(this.mail.catcher());
		assertThat(faults).isSameAs(catcher.faults());
		assertThat(catcher.transcript()).isEmpty();
		TestSmtpClient.send(this.mail.port(), "a@example.com", List.of("b@example.com"), "Subject: mine\n\nx\n");
		assertThat(this.mail.inbox()).hasMessages(1);
		assertThat(catcher.server().handlers()).hasSize(2);
	}

}
