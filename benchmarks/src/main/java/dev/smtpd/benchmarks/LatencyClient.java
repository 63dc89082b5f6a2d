package dev.smtpd.benchmarks;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * An open-loop load generator that measures latency (issue #19; scenarios LA and LQ of
 * {@code run.sh}). Message {@code i} is due {@code i / rate} seconds after the start,
 * whatever the replies to the others, so a server that falls behind meets a growing
 * queue. A closed-loop client (each session sends its next message when the last one is
 * answered) sends less while the server stalls and so leaves out the very messages that
 * would have waited: coordinated omission.
 * <p>
 * {@code --sessions} threads take the messages in the order they are due: a free thread
 * takes the next one and waits until it is due; when every thread is busy, the next
 * message starts late, and that wait counts in the time from the due time. Three times
 * per message go into HdrHistograms (microseconds, 3 significant digits):
 * <ul>
 * <li>{@code dot}: from the final {@code .CRLF} written (the write of the message and the
 * dot returned) to the end-of-data reply read: the figure issue #19 asks for;
 * <li>{@code sched}: from the due time to the same reply: the wait for a free session,
 * the connection and greeting with {@code --per-connection=1}, and every command before;
 * <li>{@code late}: from the due time to the moment a session began the message (the
 * thread's wake-up and any wait for a free session).
 * </ul>
 * Prints one line: {@code messages=… errors=… seconds=… offered/s=… achieved/s=…
 * recorded=… dot-p50-ms=… dot-p99-ms=… dot-max-ms=… sched-p50-ms=… sched-p99-ms=…
 * sched-max-ms=… late-p99-ms=… late-max-ms=… client-cpu-us=…}, the last being the client
 * JVM's CPU time (start-up included) per delivered message.
 * <p>
 * Options: {@code --host=127.0.0.1 --port=25 --rate=<msgs/s> --seconds=10
 * --warmup-seconds=0 --sessions=8 --size=1024 --per-connection=0 --hgrm=<path prefix>}.
 * With {@code --per-connection=1} every message has a connection of its own (greeting,
 * EHLO, MAIL, RCPT, DATA, QUIT: scenario A's shape); with {@code 0} each session opens
 * one connection, says EHLO, and sends all its messages over it (scenario Q's shape).
 * Commands are not pipelined: each waits for the reply to the one before, as
 * {@code smtp-source} does. Messages due in the first {@code --warmup-seconds} are sent
 * but not recorded. With {@code --hgrm} the three percentile distributions are written to
 * {@code <prefix>-dot.hgrm}, {@code -sched.hgrm} and {@code -late.hgrm} (milliseconds).
 */
public final class LatencyClient {

	private static final int TIMEOUT_MILLIS = 30_000;

	private final InetSocketAddress server;

	private final byte[] message;

	private final long start;

	private final double intervalNanos;

	private final long totalMessages;

	private final long firstRecorded;

	private final boolean connectionPerMessage;

	private final AtomicLong next = new AtomicLong();

	private final AtomicInteger delivered = new AtomicInteger();

	private final AtomicInteger errors = new AtomicInteger();

	private final AtomicLong lastReply = new AtomicLong();

	private final Histogram dot = new Histogram(3);

	private final Histogram sched = new Histogram(3);

	private final Histogram late = new Histogram(3);

	private LatencyClient(InetSocketAddress server, byte[] message, long start, double rate, long totalMessages,
			long firstRecorded, boolean connectionPerMessage) {
		this.server = server;
		this.message = message;
		this.start = start;
		this.intervalNanos = 1e9 / rate;
		this.totalMessages = totalMessages;
		this.firstRecorded = firstRecorded;
		this.connectionPerMessage = connectionPerMessage;
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		InetSocketAddress server = new InetSocketAddress(options.get("host", "127.0.0.1"), options.getInt("port", 25));
		double rate = Double.parseDouble(options.get("rate", "0"));
		if (rate <= 0) {
			throw new IllegalArgumentException("--rate must be a positive number of messages per second");
		}
		int seconds = options.getInt("seconds", 10);
		int warmupSeconds = options.getInt("warmup-seconds", 0);
		int sessions = options.getInt("sessions", 8);
		int perConnection = options.getInt("per-connection", 0);
		if (perConnection != 0 && perConnection != 1) {
			throw new IllegalArgumentException("--per-connection must be 0 or 1");
		}
		long total = Math.round(rate * (warmupSeconds + seconds));
		long firstRecorded = Math.round(rate * warmupSeconds);
		// the threads are running before the first message is due
		long start = System.nanoTime() + 50_000_000L;
		LatencyClient client = new LatencyClient(server, Messages.stuffed(options.getInt("size", 1024)), start, rate,
				total, firstRecorded, perConnection == 1);
		List<Thread> threads = new ArrayList<>(sessions);
		for (int i = 0; i < sessions; i++) {
			Thread thread = new Thread(client::runSession, "session-" + i);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		client.print(rate, total - firstRecorded);
		String hgrm = options.get("hgrm", "");
		if (!hgrm.isEmpty()) {
			client.writeDistributions(hgrm);
		}
		System.exit((client.errors.get() == 0 && client.delivered.get() > 0) ? 0 : 1);
	}

	private void runSession() {
		Histogram dot = new Histogram(3);
		Histogram sched = new Histogram(3);
		Histogram late = new Histogram(3);
		SmtpClientConnection connection = null;
		long index;
		while ((index = this.next.getAndIncrement()) < this.totalMessages) {
			long due = this.start + Math.round(index * this.intervalNanos);
			waitUntil(due);
			long began = System.nanoTime();
			try {
				if (connection == null) {
					connection = open();
				}
				long dotWritten = sendMessage(connection);
				connection.expect(2);
				long replied = System.nanoTime();
				this.delivered.incrementAndGet();
				this.lastReply.accumulateAndGet(replied, Math::max);
				if (index >= this.firstRecorded) {
					dot.recordValue(micros(replied - dotWritten));
					sched.recordValue(micros(replied - due));
					late.recordValue(micros(began - due));
				}
				if (this.connectionPerMessage) {
					quit(connection);
					connection = null;
				}
			}
			catch (IOException ex) {
				this.errors.incrementAndGet();
				System.err.println(Thread.currentThread().getName() + ": " + ex);
				closeQuietly(connection);
				connection = null;
			}
		}
		if (connection != null) {
			try {
				quit(connection);
			}
			catch (IOException ex) {
				this.errors.incrementAndGet();
				System.err.println(Thread.currentThread().getName() + ": " + ex);
				closeQuietly(connection);
			}
		}
		synchronized (this) {
			this.dot.add(dot);
			this.sched.add(sched);
			this.late.add(late);
		}
	}

	private static void waitUntil(long due) {
		long remaining;
		while ((remaining = due - System.nanoTime()) > 0) {
			LockSupport.parkNanos(remaining);
		}
	}

	private static long micros(long nanos) {
		return Math.max(0, (nanos + 500) / 1000);
	}

	private SmtpClientConnection open() throws IOException {
		SmtpClientConnection connection = SmtpClientConnection.open(this.server, null, TIMEOUT_MILLIS);
		try {
			connection.expect(2);
			connection.write("EHLO localhost\r\n");
			connection.flush();
			connection.expect(2);
			return connection;
		}
		catch (IOException ex) {
			closeQuietly(connection);
			throw ex;
		}
	}

	/**
	 * MAIL, RCPT, DATA, each answered before the next, then the message and the final dot
	 * in one write.
	 * @return when the write of the final dot returned
	 */
	private long sendMessage(SmtpClientConnection connection) throws IOException {
		connection.write("MAIL FROM:<sender@localhost>\r\n");
		connection.flush();
		connection.expect(2);
		connection.write("RCPT TO:<rcpt@localhost>\r\n");
		connection.flush();
		connection.expect(2);
		connection.write("DATA\r\n");
		connection.flush();
		connection.expect(3);
		connection.write(this.message);
		connection.write(".\r\n");
		connection.flush();
		return System.nanoTime();
	}

	private static void quit(SmtpClientConnection connection) throws IOException {
		try (connection) {
			connection.write("QUIT\r\n");
			connection.flush();
			connection.expect(2);
		}
	}

	private static void closeQuietly(@Nullable SmtpClientConnection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (IOException ex) {
				// closing after a failure: nothing more to report
			}
		}
	}

	private void print(double rate, long expectedRecorded) {
		long end = this.lastReply.get();
		double elapsed = (end > this.start) ? (end - this.start) / 1e9 : 0;
		int delivered = this.delivered.get();
		System.out.printf(
				"messages=%d errors=%d seconds=%.3f offered/s=%.0f achieved/s=%.0f recorded=%d/%d"
						+ " dot-p50-ms=%.3f dot-p99-ms=%.3f dot-max-ms=%.3f sched-p50-ms=%.3f sched-p99-ms=%.3f"
						+ " sched-max-ms=%.3f late-p99-ms=%.3f late-max-ms=%.3f client-cpu-us=%.0f%n",
				delivered, this.errors.get(), elapsed, rate, (elapsed > 0) ? delivered / elapsed : 0,
				this.dot.getTotalCount(), expectedRecorded, millis(this.dot, 50), millis(this.dot, 99),
				this.dot.getMaxValue() / 1e3, millis(this.sched, 50), millis(this.sched, 99),
				this.sched.getMaxValue() / 1e3, millis(this.late, 99), this.late.getMaxValue() / 1e3,
				(delivered > 0) ? processCpuNanos() / 1e3 / delivered : 0);
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	private static double millis(Histogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1e3;
	}

	private void writeDistributions(String prefix) throws FileNotFoundException {
		write(this.dot, prefix + "-dot.hgrm");
		write(this.sched, prefix + "-sched.hgrm");
		write(this.late, prefix + "-late.hgrm");
	}

	private static void write(Histogram histogram, String path) throws FileNotFoundException {
		try (PrintStream out = new PrintStream(path)) {
			histogram.outputPercentileDistribution(out, 1000.0);
		}
	}

}
