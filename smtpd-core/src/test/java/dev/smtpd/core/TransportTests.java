package dev.smtpd.core;

import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport the server picks. The build runs every test twice, once without the native epoll
 * library and once with it ({@code smtpd.test.transport} says which), so this test checks that the
 * second run really is on epoll, and that the builder can always fall back to NIO.
 */
class TransportTests {

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void usesNativeTransportWhenTheLibraryIsThere() throws Exception {
		RecordingHandler handler = new RecordingHandler();
		this.server = TestServer.start((builder) -> builder.handler(handler));
		assertThat(this.server.server().transport()).isEqualTo(System.getProperty("smtpd.test.transport", "nio"));
		deliver();
		assertThat(handler.take().text()).isEqualTo("Subject: transport\r\n\r\nbody\r\n");
	}

	@Test
	void nativeTransportCanBeTurnedOff() throws Exception {
		this.server = TestServer.start((builder) -> builder.nativeTransport(false));
		assertThat(this.server.server().transport()).isEqualTo("nio");
		assertThat(this.server.server().config().nativeTransport()).isFalse();
		deliver();
	}

	private void deliver() throws Exception {
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("Subject: transport\r\n\r\nbody\r\n").code()).isEqualTo(250);
			client.command("QUIT", 221);
		}
	}

}
