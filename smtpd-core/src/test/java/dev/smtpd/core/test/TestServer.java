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

	/**
	 * Sends one message in a session of its own: EHLO, MAIL, each RCPT (whatever its
	 * reply), DATA, the content and the final dot, QUIT.
	 * @param from the sender
	 * @param to the recipients
	 * @param stuffed the content, already dot-stuffed, ending with CRLF
	 * @return the reply to the final dot
	 * @throws java.io.IOException if the connection fails
	 */
	public SmtpTestClient.TestReply send(String from, java.util.List<String> to, String stuffed)
			throws java.io.IOException {
		try (SmtpTestClient client = connect()) {
			client.command("EHLO client.example", 250);
			client.command("MAIL FROM:<" + from + ">", 250);
			for (String recipient : to) {
				client.command("RCPT TO:<" + recipient + ">");
			}
			client.command("DATA");
			client.sendRaw(stuffed + ".\r\n");
			SmtpTestClient.TestReply reply = client.reply();
			client.command("QUIT", 221);
			return reply;
		}
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
