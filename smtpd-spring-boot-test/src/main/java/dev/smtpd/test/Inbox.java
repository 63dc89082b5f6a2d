package dev.smtpd.test;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.smtpd.core.delivery.MemoryHandler;
import dev.smtpd.core.delivery.StoredMessage;

/**
 * The messages a server received, oldest first, read from a {@link MemoryHandler}: the
 * catcher's, or the one an application under test uses ({@code smtpd.handler=memory}).
 * Waiting for messages never sleeps: {@link #awaitMessages} wakes up as the message
 * arrives.
 */
public final class Inbox {

	private final MemoryHandler memory;

	/**
	 * The parsed form of each message held, so it is parsed once; pruned to what the
	 * handler holds whenever all messages are read.
	 */
	private Map<StoredMessage, CaughtMessage> parsed = new IdentityHashMap<>();

	private Inbox(MemoryHandler memory) {
		this.memory = memory;
	}

	/**
	 * Returns an inbox over a memory handler.
	 * @param memory the handler
	 * @return the inbox
	 */
	public static Inbox of(MemoryHandler memory) {
		return new Inbox(memory);
	}

	/**
	 * Returns the messages received, oldest first.
	 * @return the messages
	 */
	public List<CaughtMessage> messages() {
		List<StoredMessage> stored = this.memory.messages();
		synchronized (this) {
			Map<StoredMessage, CaughtMessage> held = new IdentityHashMap<>();
			for (StoredMessage message : stored) {
				held.put(message, this.parsed.getOrDefault(message, new CaughtMessage(message)));
			}
			this.parsed = held;
			return stored.stream().map(held::get).toList();
		}
	}

	/**
	 * Returns the messages with a recipient (RCPT TO), oldest first.
	 * @param address the address, compared ignoring case
	 * @return the messages
	 */
	public List<CaughtMessage> messagesFor(String address) {
		return wrap(this.memory.messagesFor(address));
	}

	/**
	 * Returns how many messages were received.
	 * @return the count
	 */
	public int size() {
		return this.memory.size();
	}

	/**
	 * Returns whether no message was received.
	 * @return whether the inbox is empty
	 */
	public boolean isEmpty() {
		return size() == 0;
	}

	/**
	 * Waits until at least {@code count} messages were received.
	 * @param count how many messages to wait for
	 * @param timeout how long to wait at most
	 * @return the messages received, oldest first
	 * @throws AssertionError if fewer arrived within the timeout, listing those that did
	 */
	public List<CaughtMessage> awaitMessages(int count, Duration timeout) {
		List<StoredMessage> stored;
		try {
			stored = this.memory.awaitMessages(count, timeout);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError("Interrupted while waiting for " + count + " messages", ex);
		}
		List<CaughtMessage> messages = wrap(stored);
		if (messages.size() < count) {
			throw new AssertionError("Expected " + count + " message(s) within " + timeout + " but received "
					+ messages.size() + ": " + messages);
		}
		return messages;
	}

	/**
	 * Waits for the first message.
	 * @param timeout how long to wait at most
	 * @return the first message received
	 * @throws AssertionError if none arrived within the timeout
	 */
	public CaughtMessage awaitMessage(Duration timeout) {
		return awaitMessages(1, timeout).get(0);
	}

	/**
	 * Forgets every message.
	 */
	public void clear() {
		this.memory.clear();
		synchronized (this) {
			this.parsed = new IdentityHashMap<>();
		}
	}

	private synchronized List<CaughtMessage> wrap(List<StoredMessage> stored) {
		return stored.stream().map((message) -> this.parsed.computeIfAbsent(message, CaughtMessage::new)).toList();
	}

	@Override
	public String toString() {
		return messages().toString();
	}

}
