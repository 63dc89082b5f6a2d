package dev.smtpd.autoconfigure.actuate;

import java.net.InetAddress;
import java.util.List;

import dev.smtpd.core.SmtpServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code UP} only while the server accepts connections.
 */
class SmtpdHealthIndicatorTests {

	@Test
	void upWhileRunningDownBeforeAndAfter() {
		SmtpServer server = SmtpServer.builder().address(InetAddress.getLoopbackAddress()).port(0).build();
		SmtpdHealthIndicator indicator = new SmtpdHealthIndicator(server, List::of);
		assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
		server.start();
		try {
			Health up = indicator.health(true);
			assertThat(up.getStatus()).isEqualTo(Status.UP);
			assertThat(up.getDetails()).containsEntry("port", server.port())
				.containsEntry("activeSessions", 0)
				.doesNotContainKey("certificateNotAfter");
		}
		finally {
			server.stop();
		}
		assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
	}

}
