package dev.smtpd.autoconfigure.context;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.SmtpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

/**
 * Starts the SMTP server with the application context and stops it gracefully: the
 * listener closes, idle sessions are answered {@code 421}, transactions under way may
 * finish within the shutdown phase timeout
 * ({@code spring.lifecycle.timeout-per-shutdown-phase}), then the rest is closed.
 * Publishes {@code local.smtpd.port} ({@code -1} when the server listens only on a Unix
 * domain socket) and a {@link SmtpServerStartedEvent}. A Unix domain socket that cannot
 * be created fails the startup naming {@code smtpd.unix-socket.path}.
 */
public class SmtpServerLifecycle implements SmartLifecycle {

	/** Stops with the web server, before the beans the handlers need are destroyed. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

	private static final Logger logger = LoggerFactory.getLogger(SmtpServerLifecycle.class);

	private static final String PORT_PROPERTY = "local.smtpd.port";

	private static final String PROPERTY_SOURCE = "server.ports";

	private final SmtpServer server;

	private final ConfigurableEnvironment environment;

	private final ApplicationEventPublisher publisher;

	private final Duration grace;

	private volatile boolean running;

	/** Counted down when the server stops; a new one for each start. */
	private volatile CountDownLatch stopped = new CountDownLatch(1);

	/**
	 * Creates the lifecycle.
	 * @param server the server
	 * @param environment where to publish the port
	 * @param publisher where to publish the started event
	 * @param grace how long transactions under way may take to finish at shutdown
	 */
	public SmtpServerLifecycle(SmtpServer server, ConfigurableEnvironment environment,
			ApplicationEventPublisher publisher, Duration grace) {
		this.server = server;
		this.environment = environment;
		this.publisher = publisher;
		this.grace = grace;
	}

	@Override
	public void start() {
		try {
			this.server.start();
		}
		catch (InvalidSettingException ex) { // the Unix domain socket's path or mode
			throw new InvalidConfigurationPropertyValueException("smtpd." + ex.key(), ex.value(), ex.reason(), ex);
		}
		this.running = true;
		CountDownLatch stopped = new CountDownLatch(1);
		this.stopped = stopped;
		keepAlive(stopped);
		publishPort(this.server.port());
		this.publisher.publishEvent(new SmtpServerStartedEvent(this.server));
	}

	/**
	 * The server's threads are daemon threads; as Spring Boot's web servers do, one
	 * non-daemon thread keeps an application without other work (no web server) running
	 * until the server stops.
	 */
	private static void keepAlive(CountDownLatch stopped) {
		Thread await = new Thread(() -> {
			try {
				stopped.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "smtpd-await");
		await.setDaemon(false);
		await.start();
	}

	@SuppressWarnings("unchecked")
	private void publishPort(int port) {
		MutablePropertySources sources = this.environment.getPropertySources();
		PropertySource<?> source = sources.get(PROPERTY_SOURCE);
		if (source == null) {
			source = new MapPropertySource(PROPERTY_SOURCE, new HashMap<>());
			sources.addFirst(source);
		}
		((Map<String, Object>) source.getSource()).put(PORT_PROPERTY, port);
	}

	@Override
	public void stop() {
		this.running = false;
		try {
			this.server.stop(this.grace);
		}
		finally {
			this.stopped.countDown();
		}
	}

	@Override
	public void stop(Runnable callback) {
		this.running = false;
		CountDownLatch stopped = this.stopped;
		Thread stopper = new Thread(() -> {
			try {
				this.server.stop(this.grace);
			}
			catch (RuntimeException ex) {
				logger.warn("SMTP server did not stop cleanly", ex);
			}
			finally {
				stopped.countDown();
				callback.run();
			}
		}, "smtpd-shutdown");
		stopper.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
