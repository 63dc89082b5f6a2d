package dev.smtpd.benchmarks;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServer;

/**
 * Our server as a sink, for {@code run.sh}: an {@link SmtpServer} on {@code 127.0.0.1}
 * with no handler, so every command is answered on the event loop without a thread hop
 * and every message is accepted and dropped. No connection limit, timeouts of an hour.
 * Prints {@code READY <port>} once bound and runs until killed.
 * <p>
 * Usage: {@code java -cp smtpd-benchmarks.jar dev.smtpd.benchmarks.SinkServer [port]}
 * (port {@code 0}, the default, picks a free one). The system property
 * {@code smtpd.memoryThreshold} (bytes, default 4 MiB) sets how large a message is kept
 * in memory before it spills to a temporary file; the server's own default is 1 MiB,
 * under which a 1 MiB message would be written to disk. {@code smtpd.protocol}
 * ({@code smtp} or {@code lmtp}) sets the protocol.
 */
public final class SinkServer {

	private SinkServer() {
	}

	public static void main(String[] args) throws Exception {
		int port = (args.length > 0) ? Integer.parseInt(args[0]) : 0;
		int memoryThreshold = Integer.getInteger("smtpd.memoryThreshold", 4 * 1024 * 1024);
		SmtpServer server = SmtpServer.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(port)
			.hostname("localhost")
			.maxConnections(0)
			.maxConnectionsPerAddress(0)
			.timeout(Duration.ofHours(1))
			.dataTimeout(Duration.ofHours(1))
			.memoryThreshold(memoryThreshold)
			.ioThreads(Integer.getInteger("smtpd.ioThreads", 0))
			.nativeTransport(Boolean.parseBoolean(System.getProperty("smtpd.nativeTransport", "true")))
			.protocol(Protocol.valueOf(System.getProperty("smtpd.protocol", "smtp").toUpperCase(Locale.ROOT)))
			.build();
		server.start();
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			server.stop();
			stopped.countDown();
		}, "sink-shutdown"));
		System.out.println("READY " + server.port() + " " + server.transport());
		System.out.flush();
		stopped.await();
	}

}
