package dev.smtpd.test;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The assertions fail with messages that show what was received.
 */
class MailAssertionsTests {

	private static MailCatcher catcher;

	@BeforeAll
	static void sendOne() throws Exception {
		catcher = MailCatcher.start();
		TestSmtpClient.send(catcher.port(), "alice@example.com", List.of("bob@example.com"),
				"From: alice@example.com\nTo: bob@example.com\nSubject: Invoice 42\n\nTotal: 10 EUR\n");
	}

	@AfterAll
	static void close() {
		catcher.close();
	}

	@Test
	void passingAssertionsChain() {
		assertThat(catcher.inbox()).hasMessages(1)
			.hasMessageFor("BOB@example.com")
			.singleMessage()
			.hasSubject("Invoice 42")
			.hasSender("alice@example.com")
			.hasRecipient("bob@example.com")
			.isFrom("alice@example.com")
			.hasTo("bob@example.com")
			.hasTextContaining("10 EUR")
			.hasHeader("Subject", "Invoice 42")
			.wasSentWithoutTls()
			.authenticatedAs(null);
	}

	@Test
	void wrongCountListsTheMessagesReceived() {
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(catcher.inbox()).hasMessages(2))
			.withMessageContaining("Expected 2 message(s) but the inbox holds 1")
			.withMessageContaining("from=<alice@example.com>, to=[bob@example.com], subject=Invoice 42");
	}

	@Test
	void wrongSubjectShowsTheActualOne() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(catcher.inbox()).singleMessage().hasSubject("Invoice 43"))
			.withMessageContaining("Expected subject <Invoice 43> but was <Invoice 42>");
	}

	@Test
	void missingAttachmentShowsTheAttachments() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(catcher.inbox()).singleMessage().hasAttachment("invoice.pdf"))
			.withMessageContaining("Expected an attachment <invoice.pdf> but the attachments were []");
	}

	@Test
	void missingRecipientShowsTheRecipients() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(catcher.inbox()).singleMessage().hasRecipient("carol@example.com"))
			.withMessageContaining("the recipients were [bob@example.com]");
	}

	@Test
	void tlsAndLoginAssertionsSayWhatHappened() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(catcher.inbox()).singleMessage().wasSentOverTls())
			.withMessageContaining("came in plaintext");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(catcher.inbox()).singleMessage().authenticatedAs("alice"))
			.withMessageContaining("authenticated as <alice> but it was <null>");
	}

	@Test
	void awaitingMoreMessagesThanArriveFailsListingThoseThatDid() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> catcher.inbox().awaitMessages(2, java.time.Duration.ofMillis(100)))
			.withMessageContaining("Expected 2 message(s) within PT0.1S but received 1")
			.withMessageContaining("Invoice 42");
	}

}
