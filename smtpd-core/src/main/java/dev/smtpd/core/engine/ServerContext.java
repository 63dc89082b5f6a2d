package dev.smtpd.core.engine;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.TlsMode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every session of one server shares: configuration, handlers, the hook executor,
 * and the session counter.
 */
final class ServerContext {

	private static final Logger logger = LoggerFactory.getLogger(ServerContext.class);

	private final SmtpServerConfig config;

	private final HandlerChain chain;

	private final Executor hookExecutor;

	private final ArgumentParser argumentParser;

	private final Map<String, SmtpCommand> commands;

	private final @Nullable Authenticator authenticator;

	private final Map<String, AuthMechanism> authMechanisms;

	private final AuthThrottle authThrottle;

	private final RateGate rateGate;

	private final @Nullable Supplier<SslContext> sslContext;

	private final AtomicLong sessionCounter = new AtomicLong();

	private final Listeners listeners;

	private final Instant startedAt = Instant.now();

	private final LongAdder messagesAccepted = new LongAdder();

	private final LongAdder messagesRejected = new LongAdder();

	/** Writes and deletes spilled messages, so that no event loop touches the disk. */
	private final ExecutorService fileExecutor;

	/** Where spilled messages go, this server's own. */
	private final SpillDirectory spillDirectory;

	ServerContext(SmtpServerConfig config, List<SmtpHandler> handlers, List<SmtpCommand> commands,
			Executor hookExecutor, @Nullable Authenticator authenticator, List<AuthMechanism> authMechanisms,
			@Nullable Supplier<SslContext> sslContext, List<SmtpServerListener> listeners,
			@Nullable RateLimiter rateLimiter) {
		this.sslContext = sslContext;
		this.listeners = new Listeners(listeners);
		this.rateGate = new RateGate(rateLimiter, this.listeners);
		this.config = config;
		this.chain = new HandlerChain(handlers);
		this.hookExecutor = hookExecutor;
		this.argumentParser = new ArgumentParser(config.extensions().smtputf8(), config.extensions().dsn(),
				config.limits().dataSizeLimit(), config.limits().localPartLimit());
		Map<String, SmtpCommand> byVerb = new LinkedHashMap<>();
		for (SmtpCommand command : commands) {
			String verb = command.verb().toUpperCase(Locale.ROOT);
			if (Verbs.isBuiltIn(verb)) {
				throw new IllegalArgumentException("Custom command " + verb + " would replace a built-in command");
			}
			if (verb.isEmpty() || !verb.chars().allMatch((c) -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
				throw new IllegalArgumentException("Custom command verb must be letters and digits: '" + verb + "'");
			}
			if (byVerb.putIfAbsent(verb, command) != null) {
				throw new IllegalArgumentException("Custom command " + verb + " is defined twice");
			}
		}
		this.commands = Map.copyOf(byVerb);
		this.authenticator = authenticator;
		Map<String, AuthMechanism> mechanisms = new LinkedHashMap<>();
		authMechanisms.forEach((mechanism) -> mechanisms.put(mechanism.name().toUpperCase(Locale.ROOT), mechanism));
		this.authMechanisms = java.util.Collections.unmodifiableMap(mechanisms);
		this.authThrottle = new AuthThrottle(config.auth().maxFailures(), config.auth().failureDelay());
		this.spillDirectory = SpillDirectory.create(config.content().tempDirectory());
		this.fileExecutor = newFileExecutor();
	}

	/**
	 * A pool for short file writes, sized like the event loops it serves: threads exist
	 * only while messages spill, and each message has at most one write under way.
	 */
	private static ExecutorService newFileExecutor() {
		int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
		AtomicInteger counter = new AtomicInteger();
		ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), (runnable) -> {
					Thread thread = new Thread(runnable, "smtpd-file-" + counter.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

	Executor fileExecutor() {
		return this.fileExecutor;
	}

	Path spillDirectory() {
		return this.spillDirectory.path();
	}

	/**
	 * Lets queued file work finish (up to 5 seconds), then stops the file threads and
	 * removes the spill directory.
	 */
	void close() {
		this.fileExecutor.shutdown();
		try {
			if (!this.fileExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
				logger.warn("Temporary message files still being written or deleted after 5s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.spillDirectory.close();
	}

	/**
	 * Returns whether STARTTLS can be offered.
	 * @return whether TLS is configured in STARTTLS mode
	 */
	boolean offersStarttls() {
		return this.config.tls().mode() == TlsMode.STARTTLS;
	}

	/**
	 * Makes the TLS handler of one connection, from the newest SSL context.
	 * @param alloc the channel's allocator
	 * @return the handler, with the handshake timeout set
	 */
	SslHandler newSslHandler(ByteBufAllocator alloc) {
		Supplier<SslContext> supplier = this.sslContext;
		if (supplier == null) {
			throw new IllegalStateException("TLS is not configured");
		}
		SslHandler handler = supplier.get().newHandler(alloc);
		handler.setHandshakeTimeout(this.config.tls().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
		return handler;
	}

	@Nullable Authenticator authenticator() {
		return this.authenticator;
	}

	/**
	 * Returns the mechanisms offered, by upper-case name, in the order they are
	 * advertised.
	 * @return the mechanisms
	 */
	Map<String, AuthMechanism> authMechanisms() {
		return this.authMechanisms;
	}

	AuthThrottle authThrottle() {
		return this.authThrottle;
	}

	RateGate rateGate() {
		return this.rateGate;
	}

	Listeners listeners() {
		return this.listeners;
	}

	Instant startedAt() {
		return this.startedAt;
	}

	long sessionsStarted() {
		return this.sessionCounter.get();
	}

	void messageCompleted(boolean accepted) {
		(accepted ? this.messagesAccepted : this.messagesRejected).increment();
	}

	long messagesAccepted() {
		return this.messagesAccepted.sum();
	}

	long messagesRejected() {
		return this.messagesRejected.sum();
	}

	SmtpServerConfig config() {
		return this.config;
	}

	HandlerChain chain() {
		return this.chain;
	}

	Executor hookExecutor() {
		return this.hookExecutor;
	}

	ArgumentParser argumentParser() {
		return this.argumentParser;
	}

	Map<String, SmtpCommand> commands() {
		return this.commands;
	}

	/**
	 * Returns the next session id: the session's number in hexadecimal, at least eight
	 * digits (as {@code %08x}, without a {@link java.util.Formatter} per connection).
	 * @return the id
	 */
	String nextSessionId() {
		String hex = Long.toHexString(this.sessionCounter.incrementAndGet());
		return (hex.length() >= 8) ? hex : "00000000".substring(hex.length()) + hex;
	}

}
