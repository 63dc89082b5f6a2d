package dev.smtpd.autoconfigure;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import dev.smtpd.core.delivery.DebuggingHandler;
import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.delivery.MboxHandler;
import dev.smtpd.core.delivery.MemoryHandler;
import dev.smtpd.core.delivery.RelayHandler;
import dev.smtpd.core.delivery.SinkHandler;
import dev.smtpd.core.handler.SmtpHandler;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The built-in handlers {@code smtpd.handler} names, in the order listed. Each is also a
 * bean of the context (named {@code smtpd} + name + {@code Handler}, such as
 * {@code smtpdMaildirHandler}; the {@code memory} handler is the {@link MemoryHandler}
 * bean {@code smtpdMemoryHandler}, which an application injects to read its messages);
 * the auto-configuration appends them to the chain after the application's own
 * {@link SmtpHandler} beans. When {@code smtpd.handler} is not set, the chain has the
 * {@code debugging} handler if the application declares no handler bean, and no built-in
 * handler otherwise.
 */
public final class SmtpdBuiltInHandlers {

	/** The names {@code smtpd.handler} accepts. */
	public static final List<String> NAMES = List.of("sink", "debugging", "maildir", "mbox", "relay", "memory");

	private final List<String> names;

	private final List<SmtpHandler> handlers;

	SmtpdBuiltInHandlers(List<String> names, List<SmtpHandler> handlers) {
		this.names = List.copyOf(names);
		this.handlers = List.copyOf(handlers);
	}

	/**
	 * Returns the names of the built-in handlers in use, in order.
	 * @return the names, such as {@code [debugging, maildir]}; empty when none is used
	 */
	public List<String> names() {
		return this.names;
	}

	/**
	 * Returns the built-in handlers in use, in order.
	 * @return the handlers
	 */
	public List<SmtpHandler> handlers() {
		return this.handlers;
	}

	/**
	 * Returns the given handlers without the built-in ones, followed by the built-in
	 * ones.
	 * @param handlers the context's handlers in order, the built-in ones among them
	 * @return the chain
	 */
	List<SmtpHandler> appendTo(List<SmtpHandler> handlers) {
		Set<SmtpHandler> builtIn = Collections.newSetFromMap(new IdentityHashMap<>());
		builtIn.addAll(this.handlers);
		List<SmtpHandler> chain = new ArrayList<>();
		handlers.stream().filter((handler) -> !builtIn.contains(handler)).forEach(chain::add);
		chain.addAll(this.handlers);
		return chain;
	}

	/**
	 * Returns the bean name of a built-in handler.
	 * @param name the name in {@code smtpd.handler}, such as {@code maildir}
	 * @return the bean name, such as {@code smtpdMaildirHandler}
	 */
	static String beanName(String name) {
		return "smtpd" + Character.toUpperCase(name.charAt(0)) + name.substring(1) + "Handler";
	}

	/**
	 * Returns the class of a built-in handler.
	 * @param name a name of {@link #NAMES}
	 * @return its class
	 */
	static Class<? extends SmtpHandler> type(String name) {
		return switch (name) {
			case "sink" -> SinkHandler.class;
			case "debugging" -> DebuggingHandler.class;
			case "maildir" -> MaildirHandler.class;
			case "mbox" -> MboxHandler.class;
			case "relay" -> RelayHandler.class;
			case "memory" -> MemoryHandler.class;
			default -> throw new IllegalArgumentException(name);
		};
	}

	/**
	 * Creates a built-in handler.
	 * @param name a name of {@link #NAMES}
	 * @param properties the properties
	 * @return the handler
	 * @throws InvalidConfigurationPropertyValueException for a handler that cannot be set
	 * up
	 */
	static SmtpHandler create(String name, SmtpdProperties properties) {
		String hostname = SmtpServerBuilders.hostname(properties);
		return switch (name) {
			case "sink" -> new SinkHandler();
			case "debugging" -> new DebuggingHandler();
			case "maildir" -> maildir(properties, hostname);
			case "mbox" -> mbox(properties);
			case "relay" -> relay(properties, hostname);
			case "memory" -> memory(properties);
			default -> throw new IllegalArgumentException(name);
		};
	}

	private static SmtpHandler maildir(SmtpdProperties properties, String hostname) {
		SmtpdProperties.Maildir maildir = properties.getMaildir();
		try {
			return new MaildirHandler(maildir.getPath(), maildir.isAddReceivedHeader(), hostname);
		}
		catch (UncheckedIOException ex) {
			throw new InvalidConfigurationPropertyValueException("smtpd.maildir.path", maildir.getPath(),
					ex.getMessage());
		}
	}

	private static SmtpHandler mbox(SmtpdProperties properties) {
		try {
			return new MboxHandler(properties.getMbox().getPath());
		}
		catch (UncheckedIOException ex) {
			throw new InvalidConfigurationPropertyValueException("smtpd.mbox.path", properties.getMbox().getPath(),
					ex.getMessage());
		}
	}

	private static SmtpHandler memory(SmtpdProperties properties) {
		int maxMessages = properties.getMemory().getMaxMessages();
		if (maxMessages < 1) {
			throw new InvalidConfigurationPropertyValueException("smtpd.memory.max-messages", maxMessages,
					"Must be at least 1");
		}
		return new MemoryHandler(maxMessages);
	}

	private static SmtpHandler relay(SmtpdProperties properties, String hostname) {
		SmtpdProperties.Relay relay = properties.getRelay();
		if (relay.getHost() == null || relay.getHost().isBlank()) {
			throw new InvalidConfigurationPropertyValueException("smtpd.relay.host", relay.getHost(),
					"The relay handler needs an upstream host");
		}
		if (relay.getPort() < 1 || relay.getPort() > 65535) {
			throw new InvalidConfigurationPropertyValueException("smtpd.relay.port", relay.getPort(),
					"Must be between 1 and 65535");
		}
		// the relay waits for the upstream inside the MAIL and RCPT hooks: within their
		// timeout
		Duration hookTimeout = properties.getHookTimeout();
		Duration commandTimeout = hookTimeout.minus(hookTimeout.dividedBy(10));
		if (commandTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
			commandTimeout = Duration.ofSeconds(1);
		}
		return new RelayHandler(relay.getHost(), relay.getPort(), Duration.ofSeconds(30), commandTimeout,
				Duration.ofMinutes(5), hostname);
	}

}
