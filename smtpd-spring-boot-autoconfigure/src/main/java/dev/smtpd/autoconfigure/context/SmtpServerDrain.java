package dev.smtpd.autoconfigure.context;

import java.time.Duration;

import dev.smtpd.core.SmtpServer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;

/**
 * The start of a rolling restart as a load balancer sees it. When the application context
 * starts closing, the replica is draining: the health indicator reports
 * {@code OUT_OF_SERVICE} from then on, and for {@code smtpd.drain-delay} the close waits
 * here, with the listener still accepting and the web server still answering health
 * checks, so that the balancer marks the replica down before any connection is refused.
 * Then the lifecycles stop as usual ({@link SmtpServerLifecycle}: the listener closes,
 * transactions under way may finish).
 * <p>
 * It runs first among the listeners of {@link ContextClosedEvent}, before a child
 * management context (a separate {@code management.server.port}) is closed.
 */
public class SmtpServerDrain implements ApplicationListener<ContextClosedEvent>, ApplicationContextAware, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(SmtpServerDrain.class);

	private final SmtpServer server;

	private final Duration delay;

	private volatile boolean draining;

	private @Nullable ApplicationContext context;

	/**
	 * Creates the drain.
	 * @param server the server
	 * @param delay how long the listener stays open once draining started
	 */
	public SmtpServerDrain(SmtpServer server, Duration delay) {
		this.server = server;
		this.delay = delay;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() != this.context) {
			return; // a child context (management) closing
		}
		this.draining = true;
		if (this.delay.isZero() || !this.server.isRunning()) {
			return;
		}
		logger.info("SMTP server draining: health reports OUT_OF_SERVICE, the listener closes in {} ms",
				this.delay.toMillis());
		try {
			Thread.sleep(this.delay.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Whether the application started shutting down: the replica should get no new
	 * connections.
	 * @return whether draining
	 */
	public boolean isDraining() {
		return this.draining;
	}

	/**
	 * How long the listener stays open once draining started.
	 * @return the delay
	 */
	public Duration getDelay() {
		return this.delay;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
