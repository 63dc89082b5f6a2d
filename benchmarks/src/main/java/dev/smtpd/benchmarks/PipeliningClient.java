package dev.smtpd.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator that pipelines (RFC 2920), which {@code smtp-source} never does. Each
 * of {@code --sessions} threads opens one connection, says EHLO, then sends messages
 * until {@code --messages} in all have been claimed or {@code --seconds} have passed:
 * <pre>
 * C: MAIL FROM:&lt;…&gt; RCPT TO:&lt;…&gt; DATA           (one write)
 * S: 250 250 354
 * C: message . MAIL FROM:&lt;…&gt; RCPT TO:&lt;…&gt; DATA   (one write)
 * S: 250 250 250 354
 * </pre> DATA ends each command group, and the message text goes out only after the 354.
 * Prints one line: {@code messages=… errors=… seconds=… msgs/s=… MB/s=…} (MB of message
 * text, 10^6 bytes).
 * <p>
 * Options: {@code --host=127.0.0.1 --port=25 --sessions=20 --messages=10000 --size=1024
 * --seconds=60 --chunk=0 --per-connection=0 --proxy=none}. With {@code --chunk=N} (N > 0)
 * each message goes with BDAT (RFC 3030) in chunks of N octets instead of DATA, MAIL,
 * RCPT and every chunk in one write. With {@code --per-connection=N} (N > 0) a session
 * sends N messages per connection, then QUIT and a new connection ({@code 1} is scenario
 * A's shape). With {@code --proxy=v2} every connection begins with a PROXY protocol v2
 * header naming the client's own address and port, in the same write as nothing else (as
 * HAProxy sends it), before the greeting.
 */
public final class PipeliningClient {

	private static final String GROUP = "MAIL FROM:<sender@localhost>\r\nRCPT TO:<rcpt@localhost>\r\nDATA\r\n";

	private static final String ENVELOPE = "MAIL FROM:<sender@localhost>\r\nRCPT TO:<rcpt@localhost>\r\n";

	private final InetSocketAddress server;

	private final byte[] message;

	private final int totalMessages;

	private final long deadline;

	private int chunk;

	private int perConnection;

	private boolean proxyV2;

	private final AtomicInteger claimed = new AtomicInteger();

	private final AtomicInteger delivered = new AtomicInteger();

	private final AtomicInteger errors = new AtomicInteger();

	private final AtomicLong bytes = new AtomicLong();

	private PipeliningClient(InetSocketAddress server, byte[] message, int totalMessages, long deadline) {
		this.server = server;
		this.message = message;
		this.totalMessages = totalMessages;
		this.deadline = deadline;
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		InetSocketAddress server = new InetSocketAddress(options.get("host", "127.0.0.1"), options.getInt("port", 25));
		int sessions = options.getInt("sessions", 20);
		int messages = options.getInt("messages", 10_000);
		int size = options.getInt("size", 1024);
		int seconds = options.getInt("seconds", 60);
		long start = System.nanoTime();
		PipeliningClient client = new PipeliningClient(server, Messages.stuffed(size), messages,
				start + seconds * 1_000_000_000L);
		client.chunk = options.getInt("chunk", 0);
		client.perConnection = options.getInt("per-connection", 0);
		String proxy = options.get("proxy", "none");
		if (!proxy.equals("none") && !proxy.equals("v2")) {
			throw new IllegalArgumentException("--proxy must be none or v2");
		}
		client.proxyV2 = proxy.equals("v2");
		List<Thread> threads = new ArrayList<>(sessions);
		for (int i = 0; i < sessions; i++) {
			Thread thread = new Thread(client::runSession, "session-" + i);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		double elapsed = (System.nanoTime() - start) / 1e9;
		int delivered = client.delivered.get();
		System.out.printf("messages=%d errors=%d seconds=%.3f msgs/s=%.0f MB/s=%.1f%n", delivered, client.errors.get(),
				elapsed, delivered / elapsed, client.bytes.get() / elapsed / 1e6);
		System.exit((client.errors.get() == 0 && delivered > 0) ? 0 : 1);
	}

	private boolean claim() {
		if (System.nanoTime() > this.deadline) {
			return false;
		}
		if (this.claimed.incrementAndGet() > this.totalMessages) {
			return false;
		}
		return true;
	}

	private void runSession() {
		if (this.perConnection > 0) {
			runConnections();
			return;
		}
		try (SmtpClientConnection connection = open()) {
			connection.write("EHLO localhost\r\n");
			connection.flush();
			connection.expect(2);
			if (this.chunk > 0) {
				sendChunked(connection);
				return;
			}
			if (!claim()) {
				return;
			}
			connection.write(GROUP);
			connection.flush();
			boolean more = true;
			while (more) {
				connection.expect(2); // MAIL
				connection.expect(2); // RCPT
				connection.expect(3); // DATA
				connection.write(this.message);
				connection.write(".\r\n");
				more = claim();
				connection.write(more ? GROUP : "QUIT\r\n");
				connection.flush();
				connection.expect(2); // end of data
				this.delivered.incrementAndGet();
				this.bytes.addAndGet(this.message.length);
			}
			connection.expect(2); // QUIT
		}
		catch (IOException ex) {
			this.errors.incrementAndGet();
			System.err.println(Thread.currentThread().getName() + ": " + ex);
		}
	}

	private SmtpClientConnection open() throws IOException {
		SmtpClientConnection connection = SmtpClientConnection.open(this.server, null, 30_000);
		if (this.proxyV2) {
			connection.write(ProxyV2.header(connection.localAddress(), this.server));
			connection.flush();
		}
		connection.expect(2);
		return connection;
	}

	/**
	 * A new connection per {@code --per-connection} messages, each group answered in
	 * turn.
	 */
	private void runConnections() {
		try {
			boolean more = claim();
			while (more) {
				try (SmtpClientConnection connection = open()) {
					connection.write("EHLO localhost\r\n");
					connection.flush();
					connection.expect(2);
					for (int sent = 0; more && sent < this.perConnection; sent++) {
						connection.write(GROUP);
						connection.flush();
						connection.expect(2); // MAIL
						connection.expect(2); // RCPT
						connection.expect(3); // DATA
						connection.write(this.message);
						connection.write(".\r\n");
						connection.flush();
						connection.expect(2);
						this.delivered.incrementAndGet();
						this.bytes.addAndGet(this.message.length);
						more = claim();
					}
					connection.write("QUIT\r\n");
					connection.flush();
					connection.expect(2);
				}
			}
		}
		catch (IOException ex) {
			this.errors.incrementAndGet();
			System.err.println(Thread.currentThread().getName() + ": " + ex);
		}
	}

	/** BDAT: envelope and chunks in one write per message, then their replies. */
	private void sendChunked(SmtpClientConnection connection) throws IOException {
		while (claim()) {
			connection.write(ENVELOPE);
			int chunks = 0;
			for (int offset = 0; offset < this.message.length; offset += this.chunk) {
				int length = Math.min(this.chunk, this.message.length - offset);
				boolean last = offset + length >= this.message.length;
				connection.write("BDAT " + length + (last ? " LAST" : "") + "\r\n");
				connection.write(this.message, offset, length);
				chunks++;
			}
			connection.flush();
			connection.expect(2); // MAIL
			connection.expect(2); // RCPT
			for (int i = 0; i < chunks; i++) {
				connection.expect(2);
			}
			this.delivered.incrementAndGet();
			this.bytes.addAndGet(this.message.length);
		}
		connection.write("QUIT\r\n");
		connection.flush();
		connection.expect(2);
	}

}
