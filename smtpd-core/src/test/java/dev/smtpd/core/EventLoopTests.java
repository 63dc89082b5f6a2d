package dev.smtpd.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * How many event loops serve the connections.
 */
class EventLoopTests {

	@Test
	void byDefaultHalfTheProcessorsAtLeastOne() {
		try (TestServer server = TestServer.start((builder) -> {
		})) {
			int processors = Runtime.getRuntime().availableProcessors();
			assertThat(server.server().ioThreads()).isEqualTo(Math.max(1, processors / 2));
		}
	}

	@Test
	void connectionsAreSpreadOverTheConfiguredLoops() throws Exception {
		Set<String> threads = ConcurrentHashMap.newKeySet();
		SmtpServerListener recordThread = new SmtpServerListener() {

			@Override
			public void sessionStarted(Session session) {
				threads.add(Thread.currentThread().getName());
			}

		};
		try (TestServer server = TestServer.start((builder) -> builder.ioThreads(3).listener(recordThread))) {
			assertThat(server.server().ioThreads()).isEqualTo(3);
			List<SmtpTestClient> clients = new ArrayList<>();
			try {
				for (int i = 0; i < 6; i++) {
					SmtpTestClient client = server.connect();
					clients.add(client);
					client.ehlo();
				}
			}
			finally {
				for (SmtpTestClient client : clients) {
					client.close();
				}
			}
			assertThat(threads).hasSize(3).allSatisfy((name) -> assertThat(name).startsWith("smtpd-io"));
		}
	}

	@Test
	void onlyARunningServerHasLoops() {
		SmtpServer server = SmtpServer.builder().port(0).ioThreads(2).build();
		assertThatIllegalStateException().isThrownBy(server::ioThreads);
		server.start();
		try {
			assertThat(server.ioThreads()).isEqualTo(2);
		}
		finally {
			server.stop();
		}
		assertThatIllegalStateException().isThrownBy(server::ioThreads);
	}

}
