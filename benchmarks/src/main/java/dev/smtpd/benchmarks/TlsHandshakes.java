package dev.smtpd.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.TlsMode;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

/**
 * TLS cost of the server with Netty's JDK provider against its OpenSSL provider
 * (BoringSSL from {@code netty-tcnative-boringssl-static}), for an EC P-256 and an RSA
 * 2048 certificate.
 * <p>
 * The server runs in this JVM on {@code 127.0.0.1} with implicit TLS and no handler. Its
 * CPU is the CPU time of its event-loop threads ({@code smtpd-io-*}, from
 * {@link ThreadMXBean}), so the client's own work is not counted. The client is the JDK's
 * {@link SSLSocket} in {@code --clients} threads, the same for every server
 * configuration; each connection does a full handshake (the session is invalidated, so
 * nothing is resumed), reads the greeting, says QUIT and closes. A bulk run then sends
 * {@code --bulk-messages} messages of 1 MiB over one connection per client.
 * <p>
 * Every configuration is warmed up once, then measured {@code --reps} times, alternating
 * the providers run by run; one Markdown table of medians is printed.
 * <p>
 * Options:
 * {@code --handshakes=3000 --clients=4 --reps=3 --bulk-messages=100 --protocol=TLSv1.3
 * --io-threads=0} (the server's event loops; {@code 0} is its default).
 */
public final class TlsHandshakes {

	private static final byte[] MEBIBYTE = message(1024 * 1024);

	private TlsHandshakes() {
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		int handshakes = options.getInt("handshakes", 3000);
		int clients = options.getInt("clients", 4);
		int reps = options.getInt("reps", 3);
		int bulkMessages = options.getInt("bulk-messages", 100);
		String protocol = options.get("protocol", "TLSv1.3");
		int ioThreads = options.getInt("io-threads", 0);
		List<SslProvider> providers = new ArrayList<>(List.of(SslProvider.JDK));
		if (OpenSsl.isAvailable()) {
			providers.add(SslProvider.OPENSSL);
		}
		else {
			System.err.println("OpenSSL provider not available: " + OpenSsl.unavailabilityCause());
		}
		Map<String, List<double[]>> results = new LinkedHashMap<>();
		for (String key : List.of("EC P-256", "RSA 2048")) {
			X509Bundle certificate = certificate(key);
			for (int rep = 0; rep <= reps; rep++) {
				for (SslProvider provider : providers) {
					double[] measured = measure(certificate, provider, protocol, handshakes, clients, bulkMessages,
							ioThreads);
					if (rep > 0) { // the first round warms up
						results.computeIfAbsent(key + "\t" + provider, (k) -> new ArrayList<>()).add(measured);
					}
					System.err.printf("%s %s rep %d: %s%n", key, provider, rep, Arrays.toString(measured));
				}
			}
		}
		print(results, protocol, handshakes, clients, bulkMessages);
	}

	/**
	 * Runs one configuration.
	 * @return handshakes/s, server CPU µs per handshake, bulk MB/s, server CPU ms per MiB
	 */
	private static double[] measure(X509Bundle certificate, SslProvider provider, String protocol, int handshakes,
			int clients, int bulkMessages, int ioThreads) throws Exception {
		SslContext context = SslContextBuilder
			.forServer(certificate.getKeyPair().getPrivate(), certificate.getCertificatePath())
			.sslProvider(provider)
			.protocols(protocol)
			.build();
		SmtpServer server = SmtpServer.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.hostname("localhost")
			.maxConnections(0)
			.maxConnectionsPerAddress(0)
			.timeout(Duration.ofMinutes(5))
			.memoryThreshold(4 * 1024 * 1024)
			.tls(TlsMode.IMPLICIT, () -> context)
			.ioThreads(ioThreads)
			.build();
		server.start();
		try {
			SSLContext client = clientContext(certificate);
			InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
			long cpuBefore = serverCpuNanos();
			long start = System.nanoTime();
			runClients(clients, (counter) -> {
				while (counter.getAndIncrement() < handshakes) {
					handshake(client, address, protocol);
				}
			});
			double seconds = (System.nanoTime() - start) / 1e9;
			double cpuPerHandshake = (serverCpuNanos() - cpuBefore) / 1e3 / handshakes;
			cpuBefore = serverCpuNanos();
			start = System.nanoTime();
			int perClient = Math.max(1, bulkMessages / clients);
			runClients(clients, (counter) -> bulk(client, address, protocol, perClient));
			double bulkSeconds = (System.nanoTime() - start) / 1e9;
			int sent = perClient * clients;
			double cpuPerMib = (serverCpuNanos() - cpuBefore) / 1e6 / sent;
			return new double[] { handshakes / seconds, cpuPerHandshake,
					sent * (double) MEBIBYTE.length / bulkSeconds / 1e6, cpuPerMib };
		}
		finally {
			server.stop();
		}
	}

	private static void handshake(SSLContext context, InetSocketAddress address, String protocol) throws IOException {
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
			socket.setTcpNoDelay(true);
			socket.connect(address, 10_000);
			socket.setSoTimeout(30_000);
			socket.setEnabledProtocols(new String[] { protocol });
			socket.startHandshake();
			socket.getSession().invalidate(); // the next connection does a full handshake
												// too
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			expect(in, "220");
			command(socket.getOutputStream(), in, "QUIT", "221");
		}
	}

	private static void bulk(SSLContext context, InetSocketAddress address, String protocol, int messages)
			throws IOException {
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
			socket.setTcpNoDelay(true);
			socket.connect(address, 10_000);
			socket.setSoTimeout(60_000);
			socket.setEnabledProtocols(new String[] { protocol });
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			OutputStream out = socket.getOutputStream();
			expect(in, "220");
			command(out, in, "EHLO client", "250");
			for (int i = 0; i < messages; i++) {
				command(out, in, "MAIL FROM:<a@example.com>", "250");
				command(out, in, "RCPT TO:<b@example.com>", "250");
				command(out, in, "DATA", "354");
				out.write(MEBIBYTE);
				command(out, in, ".", "250");
			}
			command(out, in, "QUIT", "221");
		}
	}

	private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		expect(in, code);
	}

	/** Reads one reply (all its lines) and checks its code. */
	private static void expect(BufferedReader in, String code) throws IOException {
		String line;
		do {
			line = in.readLine();
			if (line == null || !line.startsWith(code)) {
				throw new IOException("Expected " + code + " but got " + line);
			}
		}
		while (line.length() > 3 && line.charAt(3) == '-');
	}

	private interface ClientLoop {

		void run(AtomicInteger counter) throws Exception;

	}

	private static void runClients(int clients, ClientLoop loop) throws InterruptedException {
		AtomicInteger counter = new AtomicInteger();
		List<Thread> threads = new ArrayList<>();
		List<Throwable> failures = new ArrayList<>();
		for (int i = 0; i < clients; i++) {
			Thread thread = new Thread(() -> {
				try {
					loop.run(counter);
				}
				catch (Throwable ex) {
					synchronized (failures) {
						failures.add(ex);
					}
				}
			}, "tls-client-" + i);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		if (!failures.isEmpty()) {
			throw new IllegalStateException("Client failed", failures.get(0));
		}
	}

	/** CPU time of the server's event loops, where the TLS work happens. */
	private static long serverCpuNanos() {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long total = 0;
		for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info != null && info.getThreadName().startsWith("smtpd-io")) {
				long cpu = threads.getThreadCpuTime(info.getThreadId());
				total += Math.max(0, cpu);
			}
		}
		return total;
	}

	private static X509Bundle certificate(String key) throws Exception {
		CertificateBuilder builder = new CertificateBuilder().subject("CN=localhost")
			.addSanDnsName("localhost")
			.addSanIpAddress("127.0.0.1")
			.notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
			.notAfter(Instant.now().plus(1, ChronoUnit.DAYS))
			.setIsCertificateAuthority(true);
		return (key.startsWith("EC") ? builder.ecp256() : builder.rsa2048()).buildSelfSigned();
	}

	private static SSLContext clientContext(X509Bundle certificate) throws Exception {
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		trust.setCertificateEntry("server", certificate.getCertificate());
		TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		factory.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, factory.getTrustManagers(), null);
		return context;
	}

	private static byte[] message(int size) {
		byte[] line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\r\n"
			.getBytes(StandardCharsets.US_ASCII);
		byte[] message = new byte[size];
		for (int i = 0; i < size; i++) {
			message[i] = line[i % line.length];
		}
		message[size - 2] = '\r';
		message[size - 1] = '\n';
		return message;
	}

	private static void print(Map<String, List<double[]>> results, String protocol, int handshakes, int clients,
			int bulkMessages) {
		System.out.printf("%s, %d handshakes by %d clients, %d messages of 1 MiB; medians%n%n", protocol, handshakes,
				clients, bulkMessages);
		System.out.println("| Certificate | Provider | handshakes/s | server CPU µs/handshake | bulk MB/s "
				+ "| server CPU ms/MiB | CPU/handshake vs JDK |");
		System.out.println("|---|---|---:|---:|---:|---:|---:|");
		Map<String, Double> jdkCpu = new LinkedHashMap<>();
		for (Map.Entry<String, List<double[]>> entry : results.entrySet()) {
			String[] names = entry.getKey().split("\t");
			double[] median = new double[4];
			for (int i = 0; i < median.length; i++) {
				int column = i;
				median[i] = median(entry.getValue().stream().mapToDouble((row) -> row[column]).toArray());
			}
			if (names[1].equals("JDK")) {
				jdkCpu.put(names[0], median[1]);
			}
			Double jdk = jdkCpu.get(names[0]);
			System.out.printf("| %s | %s | %.0f | %.0f | %.0f | %.2f | %s |%n", names[0], names[1], median[0],
					median[1], median[2], median[3], (jdk != null) ? String.format("%.2f×", median[1] / jdk) : "");
		}
	}

	private static double median(double[] values) {
		Arrays.sort(values);
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

}
