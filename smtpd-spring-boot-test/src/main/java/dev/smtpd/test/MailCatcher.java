package dev.smtpd.test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.delivery.MemoryHandler;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMTP server on a free loopback port that keeps every message in its {@link Inbox}
 * and injects the {@link Faults} a test asks for. It accepts any sender and recipient,
 * offers AUTH PLAIN and LOGIN without TLS (accepting any credentials unless
 * {@linkplain Builder#users users} are given), and answers from a hook thread, so a
 * delayed reply does not hold up other connections. <pre class="code">
 * try (MailCatcher catcher = MailCatcher.start()) {
 *     // send to 127.0.0.1:catcher.port()
 *     assertThat(catcher.inbox()).hasMessages(1);
 * }
 * </pre>
 */
public final class MailCatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(MailCatcher.class);

	/** The host the catcher listens on. */
	public static final String HOST = "127.0.0.1";

	private final SmtpServer server;

	private final Inbox inbox;

	private final Faults faults;

	private final Transcript transcript;

	private final Duration startupTime;

	private MailCatcher(SmtpServer server, Inbox inbox, Faults faults, Transcript transcript, Duration startupTime) {
		this.server = server;
		this.inbox = inbox;
		this.faults = faults;
		this.transcript = transcript;
		this.startupTime = startupTime;
	}

	/**
	 * Starts a catcher with the defaults.
	 * @return the running catcher
	 */
	public static MailCatcher start() {
		return builder().start();
	}

	/**
	 * Returns a builder for a catcher with other settings.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Returns the host to send to.
	 * @return {@code 127.0.0.1}
	 */
	public String host() {
		return HOST;
	}

	/**
	 * Returns the port to send to.
	 * @return the port
	 */
	public int port() {
		return this.server.port();
	}

	/**
	 * Returns the messages received.
	 * @return the inbox
	 */
	public Inbox inbox() {
		return this.inbox;
	}

	/**
	 * Returns the faults to inject.
	 * @return the faults
	 */
	public Faults faults() {
		return this.faults;
	}

	/**
	 * Returns every command answered since the start or the last {@link #reset()}, in
	 * order, with its reply code.
	 * @return the exchanges
	 */
	public List<Exchange> transcript() {
		return this.transcript.exchanges();
	}

	/**
	 * Returns the server, for what this class does not offer.
	 * @return the server
	 */
	public SmtpServer server() {
		return this.server;
	}

	/**
	 * Returns how long the server took to start.
	 * @return the time from building the server to listening
	 */
	public Duration startupTime() {
		return this.startupTime;
	}

	/**
	 * Forgets the messages, the faults and the transcript, as between two tests.
	 * Connections still open stay open.
	 */
	public void reset() {
		this.inbox.clear();
		this.faults.reset();
		this.transcript.clear();
	}

	/**
	 * Stops the server at once.
	 */
	@Override
	public void close() {
		this.server.stop();
	}

	@Override
	public String toString() {
		return "MailCatcher[" + HOST + ":" + port() + "]";
	}

	/**
	 * Settings of a {@link MailCatcher}.
	 */
	public static final class Builder {

		private int port;

		private int maxMessages = MemoryHandler.DEFAULT_MAX_MESSAGES;

		private Protocol protocol = Protocol.SMTP;

		private final Map<String, String> users = new LinkedHashMap<>();

		private @Nullable Supplier<SslContext> tls;

		private Consumer<SmtpServer.Builder> customizer = (builder) -> {
		};

		private Builder() {
		}

		/**
		 * Sets the port.
		 * @param port the port, {@code 0} (the default) for a free one
		 * @return this builder
		 */
		public Builder port(int port) {
			this.port = port;
			return this;
		}

		/**
		 * Sets how many messages the inbox keeps; past it the oldest is dropped.
		 * @param maxMessages the bound (1000 by default)
		 * @return this builder
		 */
		public Builder maxMessages(int maxMessages) {
			this.maxMessages = maxMessages;
			return this;
		}

		/**
		 * Sets the protocol.
		 * @param protocol SMTP (the default) or LMTP
		 * @return this builder
		 */
		public Builder protocol(Protocol protocol) {
			this.protocol = protocol;
			return this;
		}

		/**
		 * Accepts AUTH only with these credentials (any credentials by default).
		 * @param users login to password
		 * @return this builder
		 */
		public Builder users(Map<String, String> users) {
			this.users.putAll(users);
			return this;
		}

		/**
		 * Offers STARTTLS with this context.
		 * @param sslContext the server context
		 * @return this builder
		 */
		public Builder tls(Supplier<SslContext> sslContext) {
			this.tls = sslContext;
			return this;
		}

		/**
		 * Adjusts the server further.
		 * @param customizer applied to the server's builder last
		 * @return this builder
		 */
		public Builder customize(Consumer<SmtpServer.Builder> customizer) {
			this.customizer = this.customizer.andThen(customizer);
			return this;
		}

		/**
		 * Starts the catcher.
		 * @return the running catcher
		 */
		public MailCatcher start() {
			long started = System.nanoTime();
			MemoryHandler memory = new MemoryHandler(this.maxMessages);
			Faults faults = new Faults();
			Transcript transcript = new Transcript();
			Map<String, String> users = Map.copyOf(this.users);
			SmtpServer.Builder builder = SmtpServer.builder()
				.address(InetAddress.getLoopbackAddress())
				.port(this.port)
				.protocol(this.protocol)
				.hostname("catcher.localhost")
				.ident("smtpd mail catcher")
				.ioThreads(1)
				.handler(new FaultHandler(faults, transcript))
				.handler(memory)
				.listener(transcript)
				.authenticator(authenticator(users))
				.authRequireTls(false)
				.authFailureDelay(Duration.ZERO);
			if (this.tls != null) {
				builder.tls(TlsMode.STARTTLS, this.tls);
			}
			this.customizer.accept(builder);
			SmtpServer server = builder.build();
			server.start();
			Duration startupTime = Duration.ofNanos(System.nanoTime() - started);
			logger.info("Mail catcher listening on {}:{} (started in {} ms)", HOST, server.port(),
					startupTime.toMillis());
			return new MailCatcher(server, Inbox.of(memory), faults, transcript, startupTime);
		}

		private static Authenticator authenticator(Map<String, String> users) {
			return (session, mechanism, credentials) -> {
				if (!(credentials instanceof LoginPassword login)) {
					return AuthResult.failure();
				}
				if (users.isEmpty()) {
					return AuthResult.success(login.login());
				}
				String password = users.get(login.login());
				return (password != null && java.security.MessageDigest
					.isEqual(password.getBytes(StandardCharsets.UTF_8), login.password()))
							? AuthResult.success(login.login()) : AuthResult.failure();
			};
		}

	}

}
