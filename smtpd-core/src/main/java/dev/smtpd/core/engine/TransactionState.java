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

	/** The message BDAT chunks are assembled in; {@code null} before the first chunk. */
	private @Nullable MessageBuffer chunks;

	/** Octets of the chunks so far. */
	private long chunkedSize;

	/** Whether BDAT chunks started this transaction's message. */
	private boolean chunking;

	/** Whether a chunk of this transaction was refused: the rest are drained. */
	private boolean chunkingFailed;

	boolean isChunking() {
		return this.chunking;
	}

	boolean hasChunkingFailed() {
		return this.chunkingFailed;
	}

	long chunkedSize() {
		return this.chunkedSize;
	}

	/**
	 * Returns the buffer the chunks go to, creating it for the first chunk.
	 * @param create how to create it
	 * @return the buffer
	 */
	MessageBuffer chunks(java.util.function.Supplier<MessageBuffer> create) {
		this.chunking = true;
		MessageBuffer chunks = this.chunks;
		if (chunks == null) {
			chunks = create.get();
			this.chunks = chunks;
		}
		return chunks;
	}

	void chunkReceived(long size) {
		this.chunkedSize += size;
	}

	/** Refuses the rest of this transaction's chunks; what was received is dropped. */
	void failChunking() {
		this.chunking = true;
		this.chunkingFailed = true;
		releaseChunks();
	}

	/**
	 * Hands the assembled message over, for the end of the transaction.
	 * @return the buffer, no longer the transaction's
	 */
	@Nullable MessageBuffer takeChunks() {
		MessageBuffer chunks = this.chunks;
		this.chunks = null;
		return chunks;
	}

	/** Frees a partial chunked message (RSET, a new greeting, the end of the session). */
	void releaseChunks() {
		MessageBuffer chunks = this.chunks;
		this.chunks = null;
		if (chunks != null) {
			chunks.release();
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
