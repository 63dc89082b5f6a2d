package dev.smtpd.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PROXY headers from a real HAProxy ({@code /usr/sbin/haproxy}, run privately on loopback
 * ports with a generated configuration): {@code send-proxy-v2} with a unique id TLV, and
 * {@code send-proxy} (v1). The session's peer must be the test client's own socket, not
 * HAProxy's connection to the server.
 */
@Tag("transport-independent")
class HaproxyTests {

	@TempDir
	Path directory;

	private final BlockingQueue<Session> connected = new LinkedBlockingQueue<>();

	private final BlockingQueue<ProxyInfo> headers = new LinkedBlockingQueue<>();

	private final RecordingHandler delivered = new RecordingHandler();

	private @Nullable TestServer server;

	private @Nullable Process haproxy;

	private int v2Port;

	private int v1Port;

	@BeforeEach
	void start() throws Exception {
		ExternalTools.require("haproxy");
		this.server = TestServer
			.start((builder) -> builder.proxyProtocol(SmtpServerConfig.ProxyProtocol.defaults().withEnabled(true))
				.handler(new SmtpHandler() {

					@Override
					public @Nullable Reply proxy(Session session, ProxyInfo proxy) {
						HaproxyTests.this.headers.add(proxy);
						return null;
					}

					@Override
					public @Nullable Reply connect(Session session) {
						HaproxyTests.this.connected.add(session);
						return null;
					}

				})
				.handler(this.delivered));
		this.v2Port = freePort();
		this.v1Port = freePort();
		Path config = this.directory.resolve("haproxy.cfg");
		Files.writeString(config, """
				global
				    maxconn 100
				defaults
				    mode tcp
				    timeout connect 5s
				    timeout client 30s
				    timeout server 30s
				frontend smtp_v2
				    bind 127.0.0.1:%1$d
				    unique-id-format test-%%[src_port]
				    default_backend smtpd_v2
				frontend smtp_v1
				    bind 127.0.0.1:%2$d
				    default_backend smtpd_v1
				backend smtpd_v2
				    server s1 127.0.0.1:%3$d send-proxy-v2 proxy-v2-options unique-id
				backend smtpd_v1
				    server s1 127.0.0.1:%3$d send-proxy
				""".formatted(this.v2Port, this.v1Port, this.server.port()));
		this.haproxy = new ProcessBuilder("haproxy", "-db", "-f", config.toString()).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("haproxy.log").toFile())
			.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> listening(this.v2Port) && listening(this.v1Port));
	}

	@AfterEach
	void stop() throws Exception {
		if (this.haproxy != null) {
			this.haproxy.destroy();
			this.haproxy.waitFor(10, TimeUnit.SECONDS);
		}
		if (this.server != null) {
			this.server.close();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private boolean listening(int port) {
		assertThat(this.haproxy.isAlive()).as("haproxy runs").isTrue();
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Test
	void sendProxyV2GivesTheClientsAddressAndItsUniqueId() throws Exception {
		drainProbes();
		try (SmtpTestClient client = SmtpTestClient.connect(this.v2Port)) {
			int clientPort = client.socket().getLocalPort();
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.data("Subject: through haproxy\r\n\r\nhi\r\n");
			Session session = nextSessionFrom(clientPort);
			assertThat(session.peerAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", clientPort));
			ProxyInfo proxy = session.proxy();
			assertThat(proxy.version()).isEqualTo(2);
			assertThat(proxy.destination()).isEqualTo(new InetSocketAddress("127.0.0.1", this.v2Port));
			assertThat(proxy.proxy().getPort()).isNotEqualTo(clientPort);
			assertThat(proxy.uniqueId()).isEqualTo("test-" + clientPort);
			assertThat(this.delivered.take().text()).contains("through haproxy");
		}
	}

	@Test
	void sendProxyV1GivesTheClientsAddress() throws Exception {
		drainProbes();
		try (SmtpTestClient client = SmtpTestClient.connect(this.v1Port)) {
			int clientPort = client.socket().getLocalPort();
			client.ehlo();
			Session session = nextSessionFrom(clientPort);
			assertThat(session.peerAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", clientPort));
			assertThat(session.proxy().version()).isEqualTo(1);
			assertThat(session.proxy().destination()).isEqualTo(new InetSocketAddress("127.0.0.1", this.v1Port));
			client.command("QUIT", 221);
		}
	}

	/**
	 * Our readiness probes went through HAProxy too: their sessions are not the test's.
	 */
	private void drainProbes() {
		this.connected.clear();
		this.headers.clear();
	}

	private Session nextSessionFrom(int clientPort) throws InterruptedException {
		while (true) {
			Session session = this.connected.poll(10, TimeUnit.SECONDS);
			assertThat(session).as("a session from port " + clientPort).isNotNull();
			if (session.peerAddress().getPort() == clientPort) {
				return session;
			}
		}
	}

}
