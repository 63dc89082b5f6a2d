package dev.smtpd.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLSocket;

import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.event.SessionSnapshot;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.ratelimit.RateLimits;
import dev.smtpd.core.test.ProxyHeaders;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestCertificates;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY protocol ({@code proxy-protocol.*}) with real sockets playing the proxy:
 * hand-built v1 and v2 headers, good and bad. A refused connection must read nothing at
 * all (no SMTP reply) and be counted.
 */
class ProxyProtocolTests {

	private final BlockingQueue<Session> connected = new LinkedBlockingQueue<>();

	private final BlockingQueue<ProxyInfo> headers = new LinkedBlockingQueue<>();

	private final BlockingQueue<ConnectionRefusal> refusals = new LinkedBlockingQueue<>();

	private final BlockingQueue<SessionEnd> ends = new LinkedBlockingQueue<>();

	private final BlockingQueue<Boolean> handshakes = new LinkedBlockingQueue<>();

	private @Nullable Reply proxyRefusal;

	/** When set, the proxy hook waits for it: a hook that takes its time. */
	private @Nullable CountDownLatch proxyHookGate;

	private final SmtpHandler recorder = new SmtpHandler() {

		@Override
		public @Nullable Reply proxy(Session session, ProxyInfo proxy) throws InterruptedException {
			ProxyProtocolTests.this.headers.add(proxy);
			CountDownLatch gate = ProxyProtocolTests.this.proxyHookGate;
			if (gate != null) {
				gate.await(10, TimeUnit.SECONDS);
			}
			return ProxyProtocolTests.this.proxyRefusal;
		}

		@Override
		public @Nullable Reply connect(Session session) {
			ProxyProtocolTests.this.connected.add(session);
			return null;
		}

	};

	private final SmtpServerListener listener = new SmtpServerListener() {

		@Override
		public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
			ProxyProtocolTests.this.refusals.add(reason);
		}

		@Override
		public void tlsHandshakeCompleted(Session session, @Nullable String protocol, boolean success) {
			ProxyProtocolTests.this.handshakes.add(success);
		}

		@Override
		public void sessionEnded(Session session, SessionEnd end, Duration duration) {
			ProxyProtocolTests.this.ends.add(end);
		}

	};

	private @Nullable TestServer server;

	@TempDir
	Path directory;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	private TestServer start(java.util.function.UnaryOperator<SmtpServerConfig.ProxyProtocol> proxy,
			Consumer<SmtpServer.Builder> more) {
		TestServer server = TestServer.start((builder) -> {
			builder.proxyProtocol(proxy.apply(SmtpServerConfig.ProxyProtocol.defaults().withEnabled(true)))
				.handler(this.recorder)
				.listener(this.listener);
			more.accept(builder);
		});
		this.server = server;
		return server;
	}

	private TestServer start() {
		return start((proxy) -> proxy, (builder) -> {
		});
	}

	private static Socket open(int port) throws IOException {
		Socket socket = new Socket();
		socket.setTcpNoDelay(true);
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout(10_000);
		return socket;
	}

	/** Reads until the server closes; what a refused connection gets must be empty. */
	private static String readToClose(Socket socket) throws IOException {
		try (InputStream in = socket.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
		catch (java.net.SocketException ex) { // reset
			return "";
		}
	}

	private void assertRefused(byte[] sent, ConnectionRefusal reason) throws Exception {
		try (Socket socket = open(this.server.port())) {
			socket.getOutputStream().write(sent);
			assertThat(readToClose(socket)).isEmpty();
		}
		assertThat(this.refusals.poll(10, TimeUnit.SECONDS)).isEqualTo(reason);
		assertThat(this.server.server().statistics().connectionsRefused()).isEqualTo(1);
		assertThat(this.connected).isEmpty();
	}

	@Test
	void v1HeaderMakesTheClientThePeerAndTheGreetingFollowsIt() throws Exception {
		start();
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(ProxyHeaders.v1("192.0.2.10", 40123, "198.51.100.1", 25));
			client.expect(220);
			Session session = this.connected.poll(10, TimeUnit.SECONDS);
			assertThat(session.peerAddress()).isEqualTo(new InetSocketAddress("192.0.2.10", 40123));
			ProxyInfo proxy = session.proxy();
			assertThat(proxy.version()).isEqualTo(1);
			assertThat(proxy.local()).isFalse();
			assertThat(proxy.destination()).isEqualTo(new InetSocketAddress("198.51.100.1", 25));
			assertThat(proxy.proxy().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
			assertThat(proxy.tlvs()).isEmpty();
			client.ehlo();
			List<SessionSnapshot> sessions = this.server.server().sessions();
			assertThat(sessions).singleElement().satisfies((snapshot) -> {
				assertThat(snapshot.peer()).isEqualTo(new InetSocketAddress("192.0.2.10", 40123));
				assertThat(snapshot.proxy()).isEqualTo(proxy.proxy());
			});
		}
	}

	@Test
	void v2HeaderWithTlvsReachesTheProxyHook() throws Exception {
		start();
		byte[] header = ProxyHeaders.v2("2001:db8::7", 50000, "2001:db8::1", 587, ProxyHeaders.tlv(0x01, "smtp"),
				ProxyHeaders.tlv(0x02, "mail.example.org"), ProxyHeaders.tlv(0x05, "conn-42"),
				ProxyHeaders.sslTlv(0x07, 0, ProxyHeaders.tlv(0x21, "TLSv1.3"),
						ProxyHeaders.tlv(0x23, "TLS_AES_128_GCM_SHA256"), ProxyHeaders.tlv(0x22, "client.example")),
				ProxyHeaders.tlv(0xE0, new byte[] { 1, 2, 3 }));
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(header);
			client.expect(220);
			ProxyInfo proxy = this.headers.poll(10, TimeUnit.SECONDS);
			assertThat(proxy.version()).isEqualTo(2);
			assertThat(proxy.source()).isEqualTo(new InetSocketAddress("2001:db8::7", 50000));
			assertThat(proxy.destination()).isEqualTo(new InetSocketAddress("2001:db8::1", 587));
			assertThat(proxy.alpn()).isEqualTo("smtp");
			assertThat(proxy.authority()).isEqualTo("mail.example.org");
			assertThat(proxy.uniqueId()).isEqualTo("conn-42");
			ProxyInfo.Ssl ssl = proxy.ssl();
			assertThat(ssl.isSsl()).isTrue();
			assertThat(ssl.hasClientCertificate()).isTrue();
			assertThat(ssl.isVerified()).isTrue();
			assertThat(ssl.version()).isEqualTo("TLSv1.3");
			assertThat(ssl.cipher()).isEqualTo("TLS_AES_128_GCM_SHA256");
			assertThat(ssl.commonName()).isEqualTo("client.example");
			assertThat(proxy.tlv(0xE0)).containsExactly(1, 2, 3);
			assertThat(proxy.tlvs()).extracting(ProxyInfo.Tlv::type).containsExactly(0x01, 0x02, 0x05, 0x20, 0xE0);
			assertThat(this.connected.poll(10, TimeUnit.SECONDS).peerAddress().getAddress().getHostAddress())
				.isEqualTo("2001:db8:0:0:0:0:0:7");
		}
	}

	@Test
	void localAndUnknownHeadersKeepTheConnectionsOwnAddress() throws Exception {
		start();
		for (byte[] header : List.of(ProxyHeaders.v2Local(), "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII))) {
			try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
				client.sendRaw(header);
				client.expect(220);
				Session session = this.connected.poll(10, TimeUnit.SECONDS);
				assertThat(session.peerAddress()).isEqualTo(client.socket().getLocalSocketAddress());
				assertThat(session.proxy().local()).isTrue();
				assertThat(session.proxy().source()).isNull();
				client.command("QUIT", 221);
			}
		}
	}

	@Test
	void connectionFromAnUntrustedAddressIsClosedWithoutAReply() throws Exception {
		start((proxy) -> proxy.withTrustedProxyNetworks(List.of("10.0.0.0/8")), (builder) -> {
		});
		assertRefused(ProxyHeaders.v1("192.0.2.10", 40123, "198.51.100.1", 25).getBytes(StandardCharsets.US_ASCII),
				ConnectionRefusal.PROXY_UNTRUSTED);
	}

	@Test
	void malformedV1HeaderIsClosedWithoutAReply() throws Exception {
		start();
		assertRefused("PROXY TCP4 999.0.2.10 198.51.100.1 40123 25\r\n".getBytes(StandardCharsets.US_ASCII),
				ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void malformedV2HeaderIsClosedWithoutAReply() throws Exception {
		start();
		// version 3
		assertRefused(ProxyHeaders.v2Header(0x31, 0x11, new byte[12]), ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void smtpBeforeTheHeaderIsClosedAtOnceWithoutAReply() throws Exception {
		start((proxy) -> proxy.withTimeout(Duration.ofMinutes(1)), (builder) -> {
		});
		// shorter than a signature: refused at its first byte, not after the timeout
		assertRefused("QUIT\r\n".getBytes(StandardCharsets.US_ASCII), ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void headerThatDoesNotArriveInTimeIsClosedWithoutAReply() throws Exception {
		start((proxy) -> proxy.withTimeout(Duration.ofMillis(300)), (builder) -> {
		});
		assertRefused("PROXY TCP4 192.0".getBytes(StandardCharsets.US_ASCII), ConnectionRefusal.PROXY_TIMEOUT);
	}

	@Test
	void hugeV2LengthFieldIsRefusedOnceTheCapIsPassedNotBuffered() throws Exception {
		start((proxy) -> proxy.withTimeout(Duration.ofMinutes(1)), (builder) -> {
		});
		byte[] claim = ProxyHeaders.concat(ProxyHeaders.V2_SIGNATURE,
				new byte[] { 0x21, 0x11, (byte) 0xFF, (byte) 0xFF });
		try (Socket socket = open(this.server.port())) {
			OutputStream out = socket.getOutputStream();
			out.write(claim);
			// 64 KiB claimed; the server gives up after about 4 KiB, long before the
			// timeout
			try {
				for (int i = 0; i < 16; i++) {
					out.write(new byte[4096]);
				}
			}
			catch (IOException ex) {
				// closed while writing: what we expect
			}
			assertThat(readToClose(socket)).isEmpty();
		}
		assertThat(this.refusals.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void headerSplitOverManySmallWritesIsAccepted() throws Exception {
		start();
		byte[] header = ProxyHeaders.v2("192.0.2.77", 1234, "198.51.100.1", 25, ProxyHeaders.tlv(0x05, "split"));
		try (Socket socket = open(this.server.port())) {
			OutputStream out = socket.getOutputStream();
			for (byte b : header) {
				out.write(b);
				out.flush();
			}
			assertThat(this.connected.poll(10, TimeUnit.SECONDS).peerAddress().getAddress().getHostAddress())
				.isEqualTo("192.0.2.77");
			assertThat(new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("220 ");
		}
	}

	@Test
	void commandsPipelinedBehindTheHeaderInOnePacketAreAnswered() throws Exception {
		start();
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(ProxyHeaders.concat(ProxyHeaders.v2("192.0.2.10", 40123, "198.51.100.1", 25),
					"EHLO client.example\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII)));
			client.expect(220);
			client.expect(250);
			client.expect(250);
		}
	}

	@Test
	void secondProxyLineAfterTheHeaderIsAnUnknownCommand() throws Exception {
		start();
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(ProxyHeaders.v1("192.0.2.10", 40123, "198.51.100.1", 25));
			client.expect(220);
			client.command(ProxyHeaders.v1("192.0.2.99", 1, "198.51.100.1", 25).strip(), 500);
			client.command("NOOP", 250);
		}
		assertThat(this.connected.poll(10, TimeUnit.SECONDS).peerAddress().getAddress().getHostAddress())
			.isEqualTo("192.0.2.10");
	}

	@Test
	void proxyHookRefusalIsSentAndTheConnectionClosedAndCounted() throws Exception {
		this.proxyRefusal = Reply.of(554, "5.7.1", "Not from there");
		start();
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(ProxyHeaders.v1("192.0.2.66", 40123, "198.51.100.1", 25));
			assertThat(client.expect(554).text()).contains("Not from there");
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.ends.poll(10, TimeUnit.SECONDS)).isEqualTo(SessionEnd.REFUSED);
		assertThat(this.connected).isEmpty();
	}

	@Test
	void maxConnectionsPerAddressCountsTheProxiedClient() throws Exception {
		start((proxy) -> proxy, (builder) -> builder.maxConnectionsPerAddress(1));
		try (SmtpTestClient first = new SmtpTestClient(this.server.port());
				SmtpTestClient other = new SmtpTestClient(this.server.port());
				SmtpTestClient second = new SmtpTestClient(this.server.port())) {
			// all three come from 127.0.0.1, the proxy: only the header's address counts
			first.sendRaw(ProxyHeaders.v1("192.0.2.1", 1000, "198.51.100.1", 25));
			first.expect(220);
			other.sendRaw(ProxyHeaders.v1("192.0.2.2", 1000, "198.51.100.1", 25));
			other.expect(220);
			second.sendRaw(ProxyHeaders.v1("192.0.2.1", 1001, "198.51.100.1", 25));
			assertThat(second.expect(421).text()).contains("Too many connections from your address");
		}
		assertThat(this.refusals.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionRefusal.MAX_CONNECTIONS_PER_ADDRESS);
	}

	@Test
	void connectionRateLimitCountsTheProxiedClient() throws Exception {
		start((proxy) -> proxy, (builder) -> builder.rateLimits(RateLimits.defaults().withConnectionsPerMinute(1)));
		for (String client : List.of("192.0.2.1", "192.0.2.2")) { // one each: both
																	// admitted
			try (SmtpTestClient first = new SmtpTestClient(this.server.port())) {
				first.sendRaw(ProxyHeaders.v1(client, 1000, "198.51.100.1", 25));
				first.expect(220);
			}
		}
		try (SmtpTestClient again = new SmtpTestClient(this.server.port())) {
			again.sendRaw(ProxyHeaders.v1("192.0.2.1", 1001, "198.51.100.1", 25));
			assertThat(again.expect(421).text()).contains("too many connections");
		}
		assertThat(this.refusals.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionRefusal.RATE_LIMIT);
	}

	@Test
	void receivedHeaderNamesTheProxiedClient() throws Exception {
		start((proxy) -> proxy,
				(builder) -> builder.handler(new MaildirHandler(this.directory, true, TestServer.HOSTNAME)));
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			client.sendRaw(ProxyHeaders.v1("192.0.2.10", 40123, "198.51.100.1", 25));
			client.expect(220);
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.data("Subject: via proxy\r\n\r\nhi\r\n");
		}
		try (var files = Files.list(this.directory.resolve("new"))) {
			String stored = Files.readString(files.findFirst().orElseThrow());
			assertThat(stored.lines().takeWhile((line) -> !line.startsWith("Subject")).toList())
				.anyMatch((line) -> line.contains("[192.0.2.10]"))
				.noneMatch((line) -> line.contains("127.0.0.1"));
		}
	}

	@Test
	void aSlowProxyHookDecidesBeforeAnImplicitTlsSessionIsGreeted() throws Exception {
		// SslHandler reads on its own until its handshake is done, so the handshake ends
		// while the proxy hook still runs
		this.proxyHookGate = new CountDownLatch(1);
		this.proxyRefusal = Reply.of(554, "5.7.1", "Not from there");
		start((proxy) -> proxy, (builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext));
		try (SSLSocket tls = implicitTls(this.server.port())) {
			this.proxyHookGate.countDown();
			assertThat(new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII))
				.readLine()).isEqualTo("554 5.7.1 Not from there");
		}
		assertThat(this.handshakes.poll(10, TimeUnit.SECONDS)).as("the handshake told").isTrue();
		assertThat(this.ends.poll(10, TimeUnit.SECONDS)).isEqualTo(SessionEnd.REFUSED);
		assertThat(this.connected).isEmpty();
	}

	@Test
	void anImplicitTlsSessionAdmittedByASlowProxyHookGoesOn() throws Exception {
		this.proxyHookGate = new CountDownLatch(1);
		start((proxy) -> proxy, (builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext)
			.timeout(Duration.ofSeconds(30)));
		try (SSLSocket tls = implicitTls(this.server.port())) {
			this.proxyHookGate.countDown();
			BufferedReader in = new BufferedReader(
					new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
			assertThat(in.readLine()).startsWith("220 ");
			for (int i = 0; i < 3; i++) {
				tls.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
				assertThat(in.readLine()).startsWith("250 ");
			}
		}
		assertThat(this.connected).hasSize(1);
	}

	@Test
	void aHandshakeThatFailsWhileASlowProxyHookRunsIsToldAndEndsTheSession() throws Exception {
		this.proxyHookGate = new CountDownLatch(1);
		start((proxy) -> proxy, (builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext));
		try (Socket plain = open(this.server.port())) {
			plain.getOutputStream().write(ProxyHeaders.v2("192.0.2.10", 40123, "198.51.100.1", 465));
			plain.getOutputStream().write("EHLO plaintext.example\r\n".getBytes(StandardCharsets.US_ASCII));
			readToClose(plain);
			// while the hook still waits
			assertThat(this.handshakes.poll(10, TimeUnit.SECONDS)).isFalse();
			assertThat(this.ends.poll(10, TimeUnit.SECONDS)).isEqualTo(SessionEnd.ERROR);
		}
		finally {
			this.proxyHookGate.countDown();
		}
		assertThat(this.connected).isEmpty();
	}

	@Test
	void aHandshakeThatTimesOutWhileASlowProxyHookRunsEndsAsATimeout() throws Exception {
		this.proxyHookGate = new CountDownLatch(1);
		start((proxy) -> proxy, (builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext)
			.tlsHandshakeTimeout(Duration.ofMillis(300)));
		try (Socket plain = open(this.server.port())) {
			plain.getOutputStream().write(ProxyHeaders.v2("192.0.2.10", 40123, "198.51.100.1", 465));
			readToClose(plain);
			assertThat(this.handshakes.poll(10, TimeUnit.SECONDS)).isFalse();
			assertThat(this.ends.poll(10, TimeUnit.SECONDS)).isEqualTo(SessionEnd.TIMEOUT);
		}
		finally {
			this.proxyHookGate.countDown();
		}
	}

	/** Sends a PROXY v2 header and does a TLS handshake on the same connection. */
	private static SSLSocket implicitTls(int port) throws Exception {
		Socket plain = open(port);
		plain.getOutputStream().write(ProxyHeaders.v2("192.0.2.10", 40123, "198.51.100.1", 465));
		SSLSocket tls = (SSLSocket) TestCertificates.clientContext()
			.getSocketFactory()
			.createSocket(plain, "localhost", port, true);
		tls.startHandshake();
		return tls;
	}

	@Test
	void implicitTlsHandshakeFollowsTheHeader() throws Exception {
		start((proxy) -> proxy, (builder) -> builder.tls(TlsMode.IMPLICIT, TestCertificates::serverContext));
		try (Socket plain = open(this.server.port())) {
			plain.getOutputStream().write(ProxyHeaders.v2("192.0.2.10", 40123, "198.51.100.1", 465));
			SSLSocket tls = (SSLSocket) TestCertificates.clientContext()
				.getSocketFactory()
				.createSocket(plain, "localhost", this.server.port(), false);
			tls.startHandshake();
			assertThat(new String(tls.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("220 ");
			Session session = this.connected.poll(10, TimeUnit.SECONDS);
			assertThat(session.peerAddress().getAddress().getHostAddress()).isEqualTo("192.0.2.10");
			assertThat(session.tls()).isNotNull();
		}
	}

}
