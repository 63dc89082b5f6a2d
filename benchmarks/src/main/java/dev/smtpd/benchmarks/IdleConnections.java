package dev.smtpd.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Scenario D: holds many idle sessions open and measures what they cost the server. Reads
 * the server's resident set ({@code VmRSS}) from {@code /proc}, opens
 * {@code --connections} sessions that each read the greeting and say EHLO, waits
 * {@code --settle-millis}, reads the resident set again, then delivers one message on a
 * fresh connection and times it (connect to the reply to the final dot). Prints one line:
 * {@code connections=… rss-before-kib=… rss-after-kib=…
 * kib-per-connection=… fresh-delivery-ms=…}.
 * <p>
 * <p>
 * With {@code --jvm=true} (a Java server) the probe also measures the live Java heap
 * before and after, each time after a full collection
 * ({@code jcmd <pid> GC.class_histogram}), and adds {@code heap-kib-per-connection}: the
 * resident set also counts garbage the collector has not reclaimed yet and heap it has
 * not given back, which varies from run to run.
 * <p>
 * Options:
 * {@code --host=127.0.0.1 --port=25 --server-pid=… --connections=5000 --threads=4
 * --settle-millis=2000 --source-addresses=16 --jvm=false}. Connections come from
 * {@code 127.0.0.1} up to {@code 127.0.0.<source-addresses>} so that 50,000 of them do
 * not run out of ephemeral ports.
 */
public final class IdleConnections {

	private IdleConnections() {
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		InetSocketAddress server = new InetSocketAddress(options.get("host", "127.0.0.1"), options.getInt("port", 25));
		String pid = options.get("server-pid", "");
		int connections = options.getInt("connections", 5000);
		int threadCount = options.getInt("threads", 4);
		int settleMillis = options.getInt("settle-millis", 2000);
		int sourceAddresses = options.getInt("source-addresses", 16);
		boolean jvm = Boolean.parseBoolean(options.get("jvm", "false")) && !pid.isEmpty();
		long rssBefore = residentKib(pid);
		long heapBefore = jvm ? liveHeapBytes(pid) : 0;
		List<SmtpClientConnection> open = Collections.synchronizedList(new ArrayList<>(connections));
		List<Thread> threads = new ArrayList<>();
		long start = System.nanoTime();
		for (int t = 0; t < threadCount; t++) {
			int first = t;
			Thread thread = new Thread(() -> {
				for (int i = first; i < connections; i += threadCount) {
					InetSocketAddress local = new InetSocketAddress("127.0.0." + (1 + i % sourceAddresses), 0);
					try {
						SmtpClientConnection connection = SmtpClientConnection.open(server, local, 30_000);
						open.add(connection);
						connection.expect(2);
						connection.write("EHLO localhost\r\n");
						connection.flush();
						connection.expect(2);
					}
					catch (IOException ex) {
						System.err.println("Connection " + i + ": " + ex);
						return;
					}
				}
			}, "opener-" + t);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		double openSeconds = (System.nanoTime() - start) / 1e9;
		Thread.sleep(settleMillis);
		long rssAfter = residentKib(pid);
		long heapAfter = jvm ? liveHeapBytes(pid) : 0;
		double freshMillis = deliverOne(server);
		double count = Math.max(1, open.size());
		System.out.printf(
				"connections=%d open-seconds=%.1f rss-before-kib=%d rss-after-kib=%d "
						+ "kib-per-connection=%.2f fresh-delivery-ms=%.2f",
				open.size(), openSeconds, rssBefore, rssAfter, (rssAfter - rssBefore) / count, freshMillis);
		if (jvm) {
			System.out.printf(" heap-kib-per-connection=%.2f", (heapAfter - heapBefore) / 1024.0 / count);
		}
		System.out.println();
		for (SmtpClientConnection connection : open) {
			connection.close();
		}
		System.exit((open.size() == connections && freshMillis >= 0) ? 0 : 1);
	}

	private static double deliverOne(InetSocketAddress server) {
		long start = System.nanoTime();
		try (SmtpClientConnection connection = SmtpClientConnection.open(server, null, 30_000)) {
			connection.expect(2);
			connection.write("EHLO localhost\r\n");
			connection.flush();
			connection.expect(2);
			connection.write("MAIL FROM:<sender@localhost>\r\nRCPT TO:<rcpt@localhost>\r\nDATA\r\n");
			connection.flush();
			connection.expect(2);
			connection.expect(2);
			connection.expect(3);
			connection.write(Messages.stuffed(1024));
			connection.write(".\r\n");
			connection.flush();
			connection.expect(2);
			double millis = (System.nanoTime() - start) / 1e6;
			connection.write("QUIT\r\n");
			connection.flush();
			return millis;
		}
		catch (IOException ex) {
			System.err.println("Fresh delivery: " + ex);
			return -1;
		}
	}

	/**
	 * Live bytes on the Java heap of process {@code pid}, after the full collection jcmd
	 * asks for.
	 */
	private static long liveHeapBytes(String pid) throws IOException, InterruptedException {
		Process jcmd = new ProcessBuilder("jcmd", pid, "GC.class_histogram").redirectErrorStream(true).start();
		String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		if (jcmd.waitFor() != 0) {
			throw new IOException("jcmd failed: " + output);
		}
		for (String line : output.split("\n")) {
			if (line.startsWith("Total")) {
				String[] fields = line.trim().split("\\s+");
				return Long.parseLong(fields[2]);
			}
		}
		throw new IOException("No total in the class histogram");
	}

	private static long residentKib(String pid) throws IOException {
		if (pid.isEmpty()) {
			return 0;
		}
		for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("[^0-9]", ""));
			}
		}
		return 0;
	}

}
