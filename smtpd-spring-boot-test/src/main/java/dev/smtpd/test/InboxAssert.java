package dev.smtpd.test;

import java.util.List;

import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on an {@link Inbox}. Each failure message lists the messages the
 * inbox holds.
 */
public class InboxAssert extends AbstractAssert<InboxAssert, Inbox> {

	InboxAssert(Inbox inbox) {
		super(inbox, InboxAssert.class);
	}

	/**
	 * Verifies that the inbox holds exactly {@code count} messages.
	 * @param count the expected count
	 * @return this
	 */
	public InboxAssert hasMessages(int count) {
		isNotNull();
		List<CaughtMessage> messages = this.actual.messages();
		if (messages.size() != count) {
			failWithMessage("Expected %d message(s) but the inbox holds %d:%s", count, messages.size(),
					describe(messages));
		}
		return this;
	}

	/**
	 * Verifies that the inbox is empty.
	 * @return this
	 */
	public InboxAssert hasNoMessages() {
		return hasMessages(0);
	}

	/**
	 * Verifies that at least one message has this recipient (RCPT TO).
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public InboxAssert hasMessageFor(String address) {
		isNotNull();
		if (this.actual.messagesFor(address).isEmpty()) {
			failWithMessage("Expected a message for <%s> but the inbox holds:%s", address,
					describe(this.actual.messages()));
		}
		return this;
	}

	/**
	 * Verifies that no message has this recipient (RCPT TO).
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public InboxAssert hasNoMessageFor(String address) {
		isNotNull();
		List<CaughtMessage> messages = this.actual.messagesFor(address);
		if (!messages.isEmpty()) {
			failWithMessage("Expected no message for <%s> but found:%s", address, describe(messages));
		}
		return this;
	}

	/**
	 * Verifies that the inbox holds exactly one message and returns assertions on it.
	 * @return the assertions on the message
	 */
	public CaughtMessageAssert singleMessage() {
		hasMessages(1);
		return new CaughtMessageAssert(this.actual.messages().get(0));
	}

	/**
	 * Returns assertions on one message.
	 * @param index the index, oldest first
	 * @return the assertions on the message
	 */
	public CaughtMessageAssert message(int index) {
		isNotNull();
		List<CaughtMessage> messages = this.actual.messages();
		if (index < 0 || index >= messages.size()) {
			failWithMessage("Expected a message at index %d but the inbox holds %d:%s", index, messages.size(),
					describe(messages));
		}
		return new CaughtMessageAssert(messages.get(index));
	}

	static String describe(List<CaughtMessage> messages) {
		if (messages.isEmpty()) {
			return " (none)";
		}
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < messages.size(); i++) {
			text.append(System.lineSeparator()).append("  ").append(i).append(": ").append(messages.get(i));
		}
		return text.toString();
	}

}
