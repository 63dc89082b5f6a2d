package dev.smtpd.test;

import java.util.List;
import java.util.Objects;

import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/**
 * AssertJ assertions on a {@link CaughtMessage}. Each failure message shows what the
 * message has instead.
 */
public class CaughtMessageAssert extends AbstractAssert<CaughtMessageAssert, CaughtMessage> {

	CaughtMessageAssert(CaughtMessage message) {
		super(message, CaughtMessageAssert.class);
	}

	/**
	 * Verifies the subject.
	 * @param subject the expected subject
	 * @return this
	 */
	public CaughtMessageAssert hasSubject(String subject) {
		isNotNull();
		if (!subject.equals(this.actual.subject())) {
			failWithMessage("Expected subject <%s> but was <%s> in %s", subject, this.actual.subject(), this.actual);
		}
		return this;
	}

	/**
	 * Verifies the envelope sender (MAIL FROM).
	 * @param address the expected address, compared ignoring case
	 * @return this
	 */
	public CaughtMessageAssert hasSender(String address) {
		isNotNull();
		if (!address.equalsIgnoreCase(this.actual.sender())) {
			failWithMessage("Expected envelope sender <%s> but was <%s> in %s", address, this.actual.sender(),
					this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the envelope (RCPT TO) has a recipient.
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public CaughtMessageAssert hasRecipient(String address) {
		isNotNull();
		if (this.actual.recipients().stream().noneMatch(address::equalsIgnoreCase)) {
			failWithMessage("Expected envelope recipient <%s> but the recipients were %s in %s", address,
					this.actual.recipients(), this.actual);
		}
		return this;
	}

	/**
	 * Verifies the envelope recipients (RCPT TO), in order.
	 * @param addresses the expected addresses
	 * @return this
	 */
	public CaughtMessageAssert hasRecipients(String... addresses) {
		isNotNull();
		if (!this.actual.recipients().equals(List.of(addresses))) {
			failWithMessage("Expected envelope recipients %s but were %s in %s", List.of(addresses),
					this.actual.recipients(), this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the {@code From} header has an address.
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public CaughtMessageAssert isFrom(String address) {
		return hasHeaderAddress("From", this.actual.from(), address);
	}

	/**
	 * Verifies that the {@code To} header has an address.
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public CaughtMessageAssert hasTo(String address) {
		return hasHeaderAddress("To", this.actual.to(), address);
	}

	/**
	 * Verifies that the {@code Cc} header has an address.
	 * @param address the address, compared ignoring case
	 * @return this
	 */
	public CaughtMessageAssert hasCc(String address) {
		return hasHeaderAddress("Cc", this.actual.cc(), address);
	}

	private CaughtMessageAssert hasHeaderAddress(String header, List<String> addresses, String address) {
		isNotNull();
		if (addresses.stream().noneMatch(address::equalsIgnoreCase)) {
			failWithMessage("Expected %s header with <%s> but it had %s in %s", header, address, addresses,
					this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the plain text body contains a text.
	 * @param text the text
	 * @return this
	 */
	public CaughtMessageAssert hasTextContaining(String text) {
		isNotNull();
		return bodyContains("text", this.actual.text(), text);
	}

	/**
	 * Verifies that the HTML body contains a text.
	 * @param text the text
	 * @return this
	 */
	public CaughtMessageAssert hasHtmlContaining(String text) {
		isNotNull();
		return bodyContains("HTML", this.actual.html(), text);
	}

	private CaughtMessageAssert bodyContains(String kind, @Nullable String body, String text) {
		if (body == null || !body.contains(text)) {
			failWithMessage("Expected the %s body to contain <%s> but it was <%s> in %s", kind, text, body,
					this.actual);
		}
		return this;
	}

	/**
	 * Verifies that there is an attachment with this file name.
	 * @param fileName the file name
	 * @return this
	 */
	public CaughtMessageAssert hasAttachment(String fileName) {
		isNotNull();
		if (this.actual.attachment(fileName) == null) {
			failWithMessage("Expected an attachment <%s> but the attachments were %s in %s", fileName,
					this.actual.attachments(), this.actual);
		}
		return this;
	}

	/**
	 * Verifies that there is an attachment with this file name and content.
	 * @param fileName the file name
	 * @param content the expected bytes
	 * @return this
	 */
	public CaughtMessageAssert hasAttachment(String fileName, byte[] content) {
		hasAttachment(fileName);
		Attachment attachment = Objects.requireNonNull(this.actual.attachment(fileName));
		if (!java.util.Arrays.equals(attachment.content(), content)) {
			failWithMessage("Expected attachment <%s> of %d bytes with the given content but it differs: %s", fileName,
					content.length, attachment);
		}
		return this;
	}

	/**
	 * Verifies a header value.
	 * @param name the header name
	 * @param value the expected value (one of the header's values)
	 * @return this
	 */
	public CaughtMessageAssert hasHeader(String name, String value) {
		isNotNull();
		List<String> values = this.actual.header(name);
		if (!values.contains(value)) {
			failWithMessage("Expected header %s: <%s> but its values were %s in %s", name, value, values, this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the message came over TLS.
	 * @return this
	 */
	public CaughtMessageAssert wasSentOverTls() {
		isNotNull();
		if (!this.actual.isTls()) {
			failWithMessage("Expected the message to come over TLS but it came in plaintext: %s", this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the message came without TLS.
	 * @return this
	 */
	public CaughtMessageAssert wasSentWithoutTls() {
		isNotNull();
		if (this.actual.isTls()) {
			failWithMessage("Expected the message to come in plaintext but it came over %s: %s",
					this.actual.tlsProtocol(), this.actual);
		}
		return this;
	}

	/**
	 * Verifies that the client authenticated (AUTH) with this login.
	 * @param login the expected login
	 * @return this
	 */
	public CaughtMessageAssert authenticatedAs(@Nullable String login) {
		isNotNull();
		if (!Objects.equals(login, this.actual.login())) {
			failWithMessage("Expected the client to have authenticated as <%s> but it was <%s>: %s", login,
					this.actual.login(), this.actual);
		}
		return this;
	}

}
