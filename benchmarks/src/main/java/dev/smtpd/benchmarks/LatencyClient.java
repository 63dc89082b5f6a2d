package dev.smtpd.benchmarks;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator that measures latency (issue #19; scenarios LA and LQ of
 * {@code run.sh}). Message {@code i} is due {@code i / rate} seconds after the start,
 * whatever the replies to the others, so a server that falls behind meets a growing
 * queue. A closed-loop client (each session sends its next message when the last one is
 * answered) sends less while the server stalls and so leaves out the very messages that
 * would have waited: coordinated omission.
 * <p>
 * One Netty event loop (epoll where available) drives every connection, as
 * {@code smtp-source} drives its sessions from one {@code poll} loop (no thread to wake
 * per reply). At most {@code --sessions} messages are in progress at once: with a
 * connection per message, at most that many connections; with reused connections, a pool
 * of that many. A message due while all are busy waits for one, in the order due, and
 * that wait counts in its time from the due time. Three times per message go into
 * HdrHistograms (microseconds, 3 significant digits):
 * <ul>
 * <li>{@code dot}: from the final {@code .CRLF} written (the write of the message and the
 * dot returned) to the end-of-data reply read: the figure issue #19 asks for;
 * <li>{@code sched}: from the due time to the same reply: the wait for a free session,
 * the connection and greeting with {@code --per-connection=1}, and every command before;
 * <li>{@code late}: from the due time to the moment the message began (the event loop's
 * timer and any wait for a free session).
 * </ul>
 * Prints one line: {@code messages=… errors=… seconds=… offered/s=… achieved/s=…
 * recorded=… dot-p50-ms=… dot-p99-ms=… dot-max-ms=… sched-p50-ms=… sched-p99-ms=…
 * sched-max-ms=… late-p99-ms=… late-max-ms=… client-cpu-us=…}, the last being the client
 * JVM's CPU time from the first recorded message's due time to the last reply, per
 * recorded message (after {@code --warmup-seconds}, so mostly without start-up), and
 * {@code loop-cpu-us=…}, the same for the event loop's thread alone (without the JIT
 * compiler's and the garbage collector's threads). {@code errors} counts the connections
 * that failed and, when the last connection of the pool is gone, the messages that could
 * not be sent; a failed connection's message in progress is not delivered. Every read
 * times out after 30 s, so a run ends even if a server stops answering.
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

	private static final int TIMEOUT_SECONDS = 30;

	private final InetSocketAddress server;

	private final LatencySession.Wire wire;

	private final EventLoop loop;

	private final Bootstrap bootstrap;

	private final double intervalNanos;

	private final long totalMessages;

	private final long firstRecorded;

	private final boolean connectionPerMessage;

	private final int sessions;

	private final CountDownLatch done = new CountDownLatch(1);

	// the rest is touched on the event loop only (and read by main after done)

	private long start;

	private long recordFrom;

	private long nextIndex;

	private long completed;

	private int delivered;

	private int errors;

	private long lastReply;

	/** The process's CPU time when the first recorded message was due. */
	private long cpuAtRecordFrom;

	private long cpuAtEnd;

	/** The event loop thread's CPU time then, without the JIT's and the collector's. */
	private long loopCpuAtRecordFrom;

	private long loopCpuAtEnd;

	/** Connections open (with a connection per message) or in the pool. */
	private int open;

	private boolean finished;

	private final ArrayDeque<LatencySession> idle = new ArrayDeque<>();

	private final ArrayDeque<Long> waiting = new ArrayDeque<>();

	private final Histogram dot = new Histogram(3);

	private final Histogram sched = new Histogram(3);

	private final Histogram late = new Histogram(3);

	private LatencyClient(InetSocketAddress server, byte[] message, EventLoop loop, boolean epoll, double rate,
			long totalMessages, long firstRecorded, boolean connectionPerMessage, int sessions) {
		this.server = server;
		this.wire = new LatencySession.Wire(message);
		this.loop = loop;
		this.bootstrap = new Bootstrap().group(loop)
			.channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
			.option(ChannelOption.TCP_NODELAY, true)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, TIMEOUT_SECONDS * 1000);
		this.intervalNanos = 1e9 / rate;
		this.totalMessages = totalMessages;
		this.firstRecorded = firstRecorded;
		this.connectionPerMessage = connectionPerMessage;
		this.sessions = sessions;
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
		boolean epoll = Epoll.isAvailable();
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
				epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
		try {
			LatencyClient client = new LatencyClient(server, Messages.stuffed(options.getInt("size", 1024)),
					group.next(), epoll, rate, total, firstRecorded, perConnection == 1, sessions);
			client.loop.execute(client::begin);
			client.done.await();
			client.print(rate, total - firstRecorded);
			String hgrm = options.get("hgrm", "");
			if (!hgrm.isEmpty()) {
				client.writeDistributions(hgrm);
			}
			System.exit((client.errors == 0 && client.delivered > 0) ? 0 : 1);
		}
		finally {
			group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		}
	}

	/**
	 * Opens the pool, if any; the schedule starts when every connection of it is ready.
	 */
	private void begin() {
		if (this.connectionPerMessage) {
			startSchedule();
			return;
		}
		for (int i = 0; i < this.sessions; i++) {
			connect(new LatencySession(this, this.wire, -1, 0));
		}
	}

	private void startSchedule() {
		this.start = System.nanoTime() + 10_000_000L;
		this.recordFrom = dueOf(this.firstRecorded);
		tick();
	}

	private long dueOf(long index) {
		return this.start + Math.round(index * this.intervalNanos);
	}

	/** Starts every message that is due, then waits for the next one. */
	private void tick() {
		long now = System.nanoTime();
		while (this.nextIndex < this.totalMessages && dueOf(this.nextIndex) <= now) {
			if (this.nextIndex == this.firstRecorded) {
				this.cpuAtRecordFrom = processCpuNanos();
				this.loopCpuAtRecordFrom = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
			}
			dispatch(dueOf(this.nextIndex++), now);
		}
		if (this.nextIndex < this.totalMessages) {
			this.loop.schedule(this::tick, dueOf(this.nextIndex) - now, TimeUnit.NANOSECONDS);
		}
	}

	private void dispatch(long due, long now) {
		if (this.finished) {
			return;
		}
		if (this.connectionPerMessage && this.open < this.sessions) {
			connect(new LatencySession(this, this.wire, due, now));
			return;
		}
		LatencySession session = this.idle.poll();
		if (session != null) {
			session.send(due, now);
		}
		else {
			this.waiting.add(due);
		}
	}

	private void connect(LatencySession session) {
		this.open++;
		this.bootstrap.clone().handler(new ChannelInitializer<Channel>() {
			@Override
			protected void initChannel(Channel channel) {
				channel.pipeline()
					.addLast(new LineBasedFrameDecoder(1024), new ReadTimeoutHandler(TIMEOUT_SECONDS), session);
			}
		}).connect(this.server).addListener((future) -> {
			if (!future.isSuccess()) {
				session.fail(future.cause());
			}
		});
	}

	/** A session of the pool said EHLO. */
	void ready(LatencySession session) {
		this.idle.add(session);
		if (this.start == 0 && this.idle.size() == this.open) {
			startSchedule();
		}
		else {
			next();
		}
	}

	void delivered(LatencySession session, long due, long began, long dotWritten, long replied) {
		this.delivered++;
		this.lastReply = Math.max(this.lastReply, replied);
		if (due >= this.recordFrom) {
			this.dot.recordValue(micros(replied - dotWritten));
			this.sched.recordValue(micros(replied - due));
			this.late.recordValue(micros(began - due));
		}
		if (this.connectionPerMessage) {
			session.quit();
		}
		else {
			this.idle.add(session);
			next();
		}
		complete();
	}

	/**
	 * A connection per message closed after QUIT: its place goes to the next message
	 * waiting.
	 */
	void closed(LatencySession session) {
		this.open--;
		next();
	}

	void failed(LatencySession session, boolean hadMessage, Throwable cause) {
		this.errors++;
		this.open--;
		this.idle.remove(session);
		if (this.errors <= 10) {
			System.err.println("session failed: " + cause);
		}
		if (hadMessage) {
			complete();
		}
		if (!this.connectionPerMessage && this.open == 0 && !this.finished) {
			// the pool is gone: what is waiting or not yet due cannot be sent
			this.errors += (int) (this.totalMessages - this.completed);
			this.completed = this.totalMessages;
			complete();
			return;
		}
		if (!this.connectionPerMessage && this.start == 0 && this.idle.size() == this.open) {
			startSchedule();
			return;
		}
		next();
	}

	/** Gives the oldest waiting message a free place, if there is one. */
	private void next() {
		if (this.waiting.isEmpty() || this.finished) {
			return;
		}
		if (this.connectionPerMessage) {
			if (this.open < this.sessions) {
				connect(new LatencySession(this, this.wire, this.waiting.poll(), System.nanoTime()));
			}
			return;
		}
		LatencySession session = this.idle.poll();
		if (session != null) {
			session.send(this.waiting.poll(), System.nanoTime());
		}
	}

	private void complete() {
		this.completed++;
		if (this.completed >= this.totalMessages && !this.finished) {
			this.finished = true;
			this.cpuAtEnd = processCpuNanos();
			this.loopCpuAtEnd = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
			LatencySession session;
			while ((session = this.idle.poll()) != null) {
				session.quitAndClose();
			}
			this.done.countDown();
		}
	}

	private static long micros(long nanos) {
		return Math.max(0, (nanos + 500) / 1000);
	}

	private void print(double rate, long expectedRecorded) {
		long end = this.lastReply;
		double elapsed = (end > this.start) ? (end - this.start) / 1e9 : 0;
		int delivered = this.delivered;
		System.out.printf(
				"messages=%d errors=%d seconds=%.3f offered/s=%.0f achieved/s=%.0f recorded=%d/%d"
						+ " dot-p50-ms=%.3f dot-p99-ms=%.3f dot-max-ms=%.3f sched-p50-ms=%.3f sched-p99-ms=%.3f"
						+ " sched-max-ms=%.3f late-p99-ms=%.3f late-max-ms=%.3f client-cpu-us=%.0f loop-cpu-us=%.0f%n",
				delivered, this.errors, elapsed, rate, (elapsed > 0) ? delivered / elapsed : 0,
				this.dot.getTotalCount(), expectedRecorded, millis(this.dot, 50), millis(this.dot, 99),
				this.dot.getMaxValue() / 1e3, millis(this.sched, 50), millis(this.sched, 99),
				this.sched.getMaxValue() / 1e3, millis(this.late, 99), this.late.getMaxValue() / 1e3,
				(expectedRecorded > 0) ? (this.cpuAtEnd - this.cpuAtRecordFrom) / 1e3 / expectedRecorded : 0,
				(expectedRecorded > 0) ? (this.loopCpuAtEnd - this.loopCpuAtRecordFrom) / 1e3 / expectedRecorded : 0);
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
