package dev.smtpd.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The server on a Unix domain socket ({@code unix-socket.path}), with real clients: the
 * JDK's Unix domain channels and Python's smtplib. Runs on NIO (the JDK's Unix domain
 * channels, through Netty's {@code NioServerDomainSocketChannel}) and on native epoll
 * ({@code EpollServerDomainSocketChannel}); neither needs a skip.
 */
class UnixSocketTests {

	@TempDir
	Path directory;

	private final RecordingHandler handler = new RecordingHandler();

	private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();

	private final List<SmtpServer> servers = new ArrayList<>();

	@AfterEach
	void stop() {
		this.servers.forEach(SmtpServer::stop);
	}

	@Test
	void aClientOnTheSocketSpeaksSmtpWithoutATcpListener() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		SmtpServer server = start((builder) -> builder.port(-1).unixSocketPath(socket));
		assertThat(server.port()).isEqualTo(-1);
		assertThat(server.address()).isNull();
		assertThat(server.unixSocketPath()).isEqualTo(socket);
		try (UnixClient client = UnixClient.connect(socket)) {
			assertThat(client.reply()).startsWith("220 " + TestServer.HOSTNAME);
			assertThat(client.send("EHLO java.example")).startsWith("250-" + TestServer.HOSTNAME).contains("250 ");
			assertThat(client.send("MAIL FROM:<alice@example.com>")).startsWith("250 2.1.0");
			assertThat(client.send("RCPT TO:<bob@example.com>")).startsWith("250 2.1.5");
			assertThat(client.send("DATA")).startsWith("354");
			assertThat(client.send("Subject: unix\r\n\r\n..dot-stuffed\r\n.")).startsWith("250 2.0.0");
			assertThat(client.send("QUIT")).startsWith("221 2.0.0");
		}
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.mailFrom()).isEqualTo("alice@example.com");
		assertThat(delivery.recipients()).containsExactly("bob@example.com");
		assertThat(delivery.text()).isEqualTo("Subject: unix\r\n\r\n.dot-stuffed\r\n");
		Session session = this.sessions.poll(10, TimeUnit.SECONDS);
		assertThat(session).isNotNull();
		assertThat(session.unixSocketPath()).isEqualTo(socket);
		assertThat(session.peerAddress()).isEqualTo(Session.UNIX_SOCKET_ADDRESS)
			.isEqualTo(new InetSocketAddress("127.0.0.1", 0));
		assertThat(session.localAddress()).isEqualTo(Session.UNIX_SOCKET_ADDRESS);
		assertThat(session.toString()).contains("unix:" + socket);
	}

	@Test
	void pythonSmtplibSendsThroughTheSocket() throws Exception {
		ExternalTools.require("python3");
		Path socket = this.directory.resolve("smtpd.sock");
		start((builder) -> builder.port(-1).unixSocketPath(socket));
		Path script = Path.of(UnixSocketTests.class.getResource("/clients/smtplib_unix.py").toURI());
		ProcessBuilder builder = new ProcessBuilder("python3", script.toString(), socket.toString());
		builder.redirectErrorStream(true);
		builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).contains("EHLO 250", "REFUSED {}", "NOOP 250");
		RecordingHandler.Delivery delivery = this.handler.take();
		assertThat(delivery.heloName()).isEqualTo("python.example");
		assertThat(delivery.recipients()).containsExactly("bob@example.com");
		assertThat(delivery.text()).contains("Subject: smtplib over a unix socket", "hello from python");
	}

	@Test
	void tcpAndTheSocketServeTogether() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		SmtpServer server = start((builder) -> builder.unixSocketPath(socket));
		assertThat(server.port()).isPositive();
		assertThat(server.unixSocketPath()).isEqualTo(socket);
		try (SmtpTestClient tcp = SmtpTestClient.connect(server.port()); // reads the 220
				UnixClient unix = UnixClient.connect(socket)) {
			assertThat(unix.reply()).startsWith("220 ");
			assertThat(server.activeConnections()).isEqualTo(2);
			List<SessionSnapshot> snapshots = server.sessions();
			assertThat(snapshots).hasSize(2);
			assertThat(snapshots).filteredOn((snapshot) -> snapshot.unixSocket() != null)
				.singleElement()
				.satisfies((snapshot) -> {
					assertThat(snapshot.unixSocket()).isEqualTo(socket);
					assertThat(snapshot.peer()).isEqualTo(Session.UNIX_SOCKET_ADDRESS);
					assertThat(server.session(snapshot.id())).get()
						.extracting(SessionSnapshot::unixSocket)
						.isEqualTo(socket);
				});
			assertThat(snapshots).filteredOn((snapshot) -> snapshot.unixSocket() == null)
				.singleElement()
				.satisfies((snapshot) -> assertThat(snapshot.peer().getPort()).isPositive());
			assertThat(tcp.command("QUIT").code()).isEqualTo(221);
			assertThat(unix.send("QUIT")).startsWith("221");
		}
	}

	@Test
	void theSocketFileGetsItsModeAndIsRemovedOnStop() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		SmtpServer server = start(
				(builder) -> builder.port(-1).unixSocket(SmtpServerConfig.UnixSocket.of(socket).withMode("0600")));
		assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
		server.stop();
		assertThat(socket).doesNotExist();
	}

	@Test
	void aStaleSocketFileIsReplaced() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			crashed.bind(UnixDomainSocketAddress.of(socket));
		} // the JDK leaves the file behind, as a crashed server does
		assertThat(socket).exists();
		start((builder) -> builder.port(-1).unixSocketPath(socket));
		try (UnixClient client = UnixClient.connect(socket)) {
			assertThat(client.reply()).startsWith("220 ");
		}
	}

	@Test
	void aFileThatIsNotASocketFailsTheStartupAndIsKept() throws Exception {
		Path file = Files.writeString(this.directory.resolve("smtpd.sock"), "precious");
		assertStartupFails(file, "Exists and is not a socket");
		assertThat(file).hasContent("precious");
		assertStartupFails(this.directory, "Exists and is not a socket");
	}

	@Test
	void aSocketAnotherProcessListensOnFailsTheStartup() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(socket));
			assertStartupFails(socket, "Another process listens on this socket");
		}
	}

	@Test
	@Timeout(30)
	void aSocketWhoseListenerHasAFullQueueFailsTheStartupAtOnce() throws Exception {
		// an old instance that is stuck: it listens but accepts nothing; connecting to it
		// would wait for ever
		Path socket = this.directory.resolve("smtpd.sock");
		List<SocketChannel> waiting = new ArrayList<>();
		try (ServerSocketChannel stuck = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			stuck.bind(UnixDomainSocketAddress.of(socket), 1);
			try {
				for (int i = 0; i < 64; i++) {
					SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
					waiting.add(client);
					client.configureBlocking(false);
					client.connect(UnixDomainSocketAddress.of(socket));
				}
			}
			catch (IOException ex) {
				// the queue is full
			}
			assertStartupFails(socket, "Another process may listen on this socket");
			assertThat(socket).exists();
		}
		finally {
			for (SocketChannel client : waiting) {
				client.close();
			}
		}
	}

	@Test
	void aMissingDirectoryFailsTheStartup() {
		assertStartupFails(this.directory.resolve("missing/smtpd.sock"), "Cannot listen on it");
	}

	@Test
	void theLimitPerAddressDoesNotCountUnixClientsButTheGlobalLimitDoes() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		start((builder) -> builder.port(-1).unixSocketPath(socket).maxConnectionsPerAddress(1).maxConnections(2));
		try (UnixClient first = UnixClient.connect(socket); UnixClient second = UnixClient.connect(socket)) {
			assertThat(first.reply()).startsWith("220 ");
			assertThat(second.reply()).startsWith("220 ");
			try (UnixClient third = UnixClient.connect(socket)) {
				assertThat(third.reply()).startsWith("421 4.7.0").contains("Too many connections");
			}
		}
	}

	private void assertStartupFails(Path path, String reason) {
		SmtpServer server = SmtpServer.builder()
			.hostname(TestServer.HOSTNAME)
			.port(-1)
			.unixSocketPath(path)
			.handler(this.handler)
			.build();
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(server::start).satisfies((ex) -> {
			assertThat(ex.key()).isEqualTo("unix-socket.path");
			assertThat(ex.value()).isEqualTo(path);
			assertThat(ex.reason()).contains(reason);
		});
		assertThat(server.isRunning()).isFalse();
	}

	private SmtpServer start(Consumer<SmtpServer.Builder> settings) {
		SmtpServer server = TestServer.start((builder) -> {
			builder.handler(new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
					UnixSocketTests.this.sessions.add(session);
					return null;
				}

			}).handler(this.handler);
			settings.accept(builder);
		}).server();
		this.servers.add(server);
		return server;
	}

	/** A blocking SMTP client on a Unix domain socket, with the JDK's own channel. */
	private static final class UnixClient implements AutoCloseable {

		private final SocketChannel channel;

		private final BufferedReader in;

		private final OutputStream out;

		private UnixClient(SocketChannel channel) {
			this.channel = channel;
			this.in = new BufferedReader(
					new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
			this.out = Channels.newOutputStream(channel);
		}

		static UnixClient connect(Path path) throws IOException {
			SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			channel.connect(UnixDomainSocketAddress.of(path));
			return new UnixClient(channel);
		}

		String send(String line) throws IOException {
			this.out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
			this.out.flush();
			return reply();
		}

		/**
		 * Reads one reply, all its lines, joined by LF; empty at the end of the stream.
		 */
		String reply() throws IOException {
			StringBuilder reply = new StringBuilder();
			String line;
			while ((line = this.in.readLine()) != null) {
				reply.append(line).append('\n');
				if (line.length() < 4 || line.charAt(3) != '-') {
					break;
				}
			}
			return reply.toString();
		}

		@Override
		public void close() throws IOException {
			this.channel.close();
		}

	}

}
