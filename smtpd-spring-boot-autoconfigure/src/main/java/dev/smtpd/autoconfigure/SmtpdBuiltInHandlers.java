package dev.smtpd.autoconfigure;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.smtpd.core.delivery.DebuggingHandler;
import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.delivery.MboxHandler;
import dev.smtpd.core.delivery.RelayHandler;
import dev.smtpd.core.delivery.SinkHandler;
import dev.smtpd.core.handler.SmtpHandler;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The built-in handlers {@code smtpd.handler} names. The auto-configuration uses them when the
 * application declares no {@code SmtpHandler} bean; an application with handlers of its own can still
 * chain them after its own with an {@link SmtpServerCustomizer}:
 * <pre class="code">
 * &#64;Bean
 * SmtpServerCustomizer builtInHandlersToo(SmtpdProperties properties) {
 *     return (builder) -&gt; SmtpdBuiltInHandlers.create(properties).forEach(builder::handler);
 * }
 * </pre>
 */
public final class SmtpdBuiltInHandlers {

	/** The names {@code smtpd.handler} accepts. */
	public static final List<String> NAMES = List.of("sink", "debugging", "maildir", "mbox", "relay");

	private SmtpdBuiltInHandlers() {
	}

	/**
	 * Creates the chain {@code smtpd.handler} names.
	 * @param properties the properties
	 * @return the handlers, in order
	 * @throws InvalidConfigurationPropertyValueException for an unknown name or a handler that cannot be set up
	 */
	public static List<SmtpHandler> create(SmtpdProperties properties) {
		return create(properties, SmtpServerBuilders.hostname(properties));
	}

	/**
	 * Creates the chain {@code smtpd.handler} names.
	 * @param properties the properties
	 * @param hostname the server's name, for trace headers
	 * @return the handlers, in order
	 * @throws InvalidConfigurationPropertyValueException for an unknown name or a handler that cannot be set up
	 */
	static List<SmtpHandler> create(SmtpdProperties properties, String hostname) {
		List<SmtpHandler> handlers = new ArrayList<>();
		for (String name : properties.getHandler()) {
			String handler = name.strip().toLowerCase(Locale.ROOT);
			handlers.add(switch (handler) {
				case "sink" -> new SinkHandler();
				case "debugging" -> new DebuggingHandler();
				case "maildir" -> maildir(properties, hostname);
				case "mbox" -> mbox(properties);
				case "relay" -> relay(properties, hostname);
				default -> throw new InvalidConfigurationPropertyValueException("smtpd.handler", name,
						"Unknown handler; use one or more of " + String.join(", ", NAMES));
			});
		}
		if (handlers.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException("smtpd.handler", "",
					"At least one handler is needed when the application declares no SmtpHandler bean");
		}
		return handlers;
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
		return new RelayHandler(relay.getHost(), relay.getPort(), java.time.Duration.ofSeconds(30),
				java.time.Duration.ofMinutes(5), hostname);
	}

}
