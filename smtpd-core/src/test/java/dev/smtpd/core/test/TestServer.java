package dev.smtpd.core.test;

import java.util.function.Consumer;

import dev.smtpd.core.SmtpServer;

/**
 * An {@link SmtpServer} on a free loopback port for one test.
 */
public final class TestServer implements AutoCloseable {

	public static final String HOSTNAME = "mx.test.example";

	private final SmtpServer server;

	private TestServer(SmtpServer server) {
		this.server = server;
	}

	public static TestServer start(Consumer<SmtpServer.Builder> customizer) {
		SmtpServer.Builder builder = SmtpServer.builder()
			.address(java.net.InetAddress.getLoopbackAddress())
			.port(0)
			.hostname(HOSTNAME)
			.ident("smtpd-test");
		customizer.accept(builder);
		SmtpServer server = builder.build();
		server.start();
		return new TestServer(server);
	}

	public static TestServer start(RecordingHandler handler) {
		return start((builder) -> builder.handler(handler));
	}

	public SmtpServer server() {
		return this.server;
	}

	public int port() {
		return this.server.port();
	}

	public SmtpTestClient connect() throws java.io.IOException {
		return SmtpTestClient.connect(port());
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
