package dev.smtpd.core.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Recipient;
import org.jspecify.annotations.Nullable;

/**
 * The engine's envelope: one mail transaction, from MAIL to the end of DATA or RSET.
 */
final class TransactionState implements Envelope {

	private @Nullable String mailFrom;

	private MailOptions mailOptions = MailOptions.NONE;

	private final List<Recipient> recipients = new ArrayList<>();

	private final List<Recipient> recipientsView = Collections.unmodifiableList(this.recipients);

	private @Nullable MessageContent content;

	private @Nullable String decodedContent;

	private boolean decode;

	@Override
	public @Nullable String mailFrom() {
		return this.mailFrom;
	}

	@Override
	public MailOptions mailOptions() {
		return this.mailOptions;
	}

	@Override
	public List<Recipient> recipients() {
		return this.recipientsView;
	}

	@Override
	public synchronized @Nullable String decodedContent() {
		MessageContent content = this.content;
		if (this.decodedContent == null && this.decode && content != null) {
			this.decodedContent = decode(content);
		}
		return this.decodedContent;
	}

	private static String decode(MessageContent content) {
		try {
			return content.asText();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Message content could not be read", ex);
		}
	}

	boolean hasSender() {
		return this.mailFrom != null;
	}

	void sender(String address, MailOptions options) {
		this.mailFrom = address;
		this.mailOptions = options;
	}

	void addRecipient(Recipient recipient) {
		this.recipients.add(recipient);
	}

	void content(MessageContent content, boolean decode) {
		this.content = content;
		this.decode = decode;
	}

	@Override
	public String toString() {
		return "Envelope[from=" + this.mailFrom + ", to=" + this.recipients + "]";
	}

}
