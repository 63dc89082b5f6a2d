package dev.smtpd.core.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * Keeps each accepted message in memory, with its envelope, for tests and for small
 * applications that read their mail in-process. Bounded: past {@code maxMessages} the
 * oldest message is dropped (and {@link #droppedCount() counted}). Readers can wait for
 * messages without polling ({@link #awaitMessages}). Works under SMTP and LMTP alike: the
 * message is kept once, from the DATA hook, whatever the number of recipients.
 * <p>
 * Thread-safe; the DATA hook copies the content, so the copy outlives the transaction.
 */
public final class MemoryHandler implements SmtpHandler {

	/** The bound used when none is given. */
	public static final int DEFAULT_MAX_MESSAGES = 1000;

	private final int maxMessages;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition arrived = this.lock.newCondition();

	private final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();

	private long dropped;

	/**
	 * Creates a handler that keeps the last {@value #DEFAULT_MAX_MESSAGES} messages.
	 */
	public MemoryHandler() {
		this(DEFAULT_MAX_MESSAGES);
	}

	/**
	 * Creates a handler that keeps the last {@code maxMessages} messages.
	 * @param maxMessages how many messages to keep, at least 1
	 * @throws IllegalArgumentException if {@code maxMessages} is less than 1
	 */
	public MemoryHandler(int maxMessages) {
		if (maxMessages < 1) {
			throw new IllegalArgumentException("maxMessages must be at least 1, not " + maxMessages);
		}
		this.maxMessages = maxMessages;
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
		String from = envelope.mailFrom();
		StoredMessage message = new StoredMessage(session.id(), Instant.now(), session.peerAddress(),
				session.heloName(), session.login(), (session.tls() != null) ? session.tls().protocol() : null,
				(from != null) ? from : "", envelope.recipientAddresses(), content.toByteArray());
		add(message);
		return null;
	}

	private void add(StoredMessage message) {
		this.lock.lock();
		try {
			if (this.messages.size() == this.maxMessages) {
				this.messages.removeFirst();
				this.dropped++;
			}
			this.messages.addLast(message);
			this.arrived.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the bound.
	 * @return how many messages are kept at most
	 */
	public int maxMessages() {
		return this.maxMessages;
	}

	/**
	 * Returns the messages kept, oldest first.
	 * @return a copy of the list
	 */
	public List<StoredMessage> messages() {
		this.lock.lock();
		try {
			return List.copyOf(this.messages);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the messages kept for one recipient, oldest first.
	 * @param address the recipient's address, compared ignoring case
	 * @return the messages
	 */
	public List<StoredMessage> messagesFor(String address) {
		return messages().stream()
			.filter((message) -> message.recipients().stream().anyMatch(address::equalsIgnoreCase))
			.toList();
	}

	/**
	 * Returns how many messages are kept.
	 * @return the count
	 */
	public int size() {
		this.lock.lock();
		try {
			return this.messages.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns how many messages were dropped to keep the bound.
	 * @return the count since creation or the last {@link #clear()}
	 */
	public long droppedCount() {
		this.lock.lock();
		try {
			return this.dropped;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until at least {@code count} messages are kept, or the timeout passes.
	 * @param count how many messages to wait for
	 * @param timeout how long to wait at most
	 * @return the messages kept when the wait ended, oldest first (fewer than
	 * {@code count} when the timeout passed)
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	public List<StoredMessage> awaitMessages(int count, Duration timeout) throws InterruptedException {
		long left = timeout.toNanos();
		this.lock.lock();
		try {
			while (this.messages.size() < count && left > 0) {
				left = this.arrived.awaitNanos(left);
			}
			return new ArrayList<>(this.messages);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Forgets every message kept and the count of dropped ones.
	 */
	public void clear() {
		this.lock.lock();
		try {
			this.messages.clear();
			this.dropped = 0;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "MemoryHandler[maxMessages=" + this.maxMessages + "]";
	}

}
