package dev.smtpd.autoconfigure.actuate;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import dev.smtpd.core.SmtpServer;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the SMTP server: {@code UP} while it accepts connections, {@code DOWN} when
 * it could not bind or was shut down, {@code OUT_OF_SERVICE} from the moment the
 * application starts shutting down while the listener still accepts (draining, see
 * {@link dev.smtpd.autoconfigure.context.SmtpServerDrain}). Both map to HTTP 503, so a
 * load balancer checking {@code /actuator/health} stops routing to a draining replica;
 * {@code OUT_OF_SERVICE} tells a planned restart apart from a failure. With TLS, the
 * server certificate's expiry is shown, and a warning detail appears when fewer than 14
 * days remain.
 */
public class SmtpdHealthIndicator extends AbstractHealthIndicator {

	private static final Duration WARNING_BEFORE_EXPIRY = Duration.ofDays(14);

	private final SmtpServer server;

	private final Supplier<List<X509Certificate>> certificates;

	private final BooleanSupplier draining;

	/**
	 * Creates the indicator for a server that is never reported as draining.
	 * @param server the server
	 * @param certificates the server's certificate chain, empty without TLS
	 */
	public SmtpdHealthIndicator(SmtpServer server, Supplier<List<X509Certificate>> certificates) {
		this(server, certificates, () -> false);
	}

	/**
	 * Creates the indicator.
	 * @param server the server
	 * @param certificates the server's certificate chain, empty without TLS
	 * @param draining whether the application started shutting down
	 */
	public SmtpdHealthIndicator(SmtpServer server, Supplier<List<X509Certificate>> certificates,
			BooleanSupplier draining) {
		super("SMTP server health check failed");
		this.server = server;
		this.certificates = certificates;
		this.draining = draining;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		if (!this.server.isRunning()) {
			builder.down().withDetail("running", false);
			return;
		}
		if (this.draining.getAsBoolean()) {
			builder.outOfService().withDetail("draining", true);
		}
		else {
			builder.up();
		}
		builder.withDetail("running", true)
			.withDetail("port", this.server.port())
			.withDetail("activeSessions", this.server.activeConnections());
		List<X509Certificate> chain = this.certificates.get();
		if (!chain.isEmpty()) {
			Instant notAfter = chain.get(0).getNotAfter().toInstant();
			Duration left = Duration.between(Instant.now(), notAfter);
			builder.withDetail("certificateNotAfter", notAfter.toString())
				.withDetail("certificateDaysLeft", left.toDays());
			if (left.compareTo(WARNING_BEFORE_EXPIRY) < 0) {
				builder.withDetail("warning", left.isNegative() ? "certificate expired"
						: "certificate expires in " + left.toDays() + " days");
			}
		}
	}

}
