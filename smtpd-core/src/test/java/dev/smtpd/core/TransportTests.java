package dev.smtpd.core;

import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport the server picks. The build runs the socket tests twice, once without the
 * native epoll library and once with it ({@code smtpd.test.transport} says which), so
 * this test checks that the second run really is on epoll, and that the builder can
 * always fall back to NIO.
 */
class TransportTests {

	@Test
	void usesNativeTransportWhenTheLibraryIsThere() throws Exception {
		RecordingHandler handler = new RecordingHandler();
		try (TestServer server = TestServer.start((builder) -> builder.handler(handler))) {
			assertThat(server.server().transport()).isEqualTo(System.getProperty("smtpd.test.transport", "nio"));
			deliver(server);
			assertThat(handler.take().text()).isEqualTo("Subject: transport\r\n\r\nbody\r\n");
		}
	}

	@Test
	void nativeTransportCanBeTurnedOff() throws Exception {
		try (TestServer server = TestServer.start((builder) -> builder.nativeTransport(false))) {
			assertThat(server.server().transport()).isEqualTo("nio");
			assertThat(server.server().config().network().nativeTransport()).isFalse();
			deliver(server);
		}
	}

	private static void deliver(TestServer server) throws Exception {
		try (SmtpTestClient client = server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("Subject: transport\r\n\r\nbody\r\n").code()).isEqualTo(250);
			client.command("QUIT", 221);
		}
	}

}
