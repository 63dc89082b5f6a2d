package dev.smtpd.test;

/**
 * Entry point of the AssertJ assertions on an {@link Inbox} and a {@link CaughtMessage}.
 * Import it statically beside AssertJ's {@code Assertions}: <pre class="code">
 * assertThat(inbox).hasMessages(1);
 * assertThat(inbox).singleMessage().hasSubject("Invoice").hasRecipient("bob@example.com")
 *     .hasAttachment("invoice.pdf");
 * </pre> Failure messages list what the inbox holds.
 */
public final class MailAssertions {

	private MailAssertions() {
	}

	/**
	 * Starts assertions on an inbox.
	 * @param inbox the inbox
	 * @return the assertions
	 */
	public static InboxAssert assertThat(Inbox inbox) {
		return new InboxAssert(inbox);
	}

	/**
	 * Starts assertions on a message.
	 * @param message the message
	 * @return the assertions
	 */
	public static CaughtMessageAssert assertThat(CaughtMessage message) {
		return new CaughtMessageAssert(message);
	}

}
