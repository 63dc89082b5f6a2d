package dev.smtpd.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;

/**
 * The floor of an ordinary hook's hand-off, with nothing of SMTP around it: an event loop
 * (Netty's, epoll where it is available, as the server's) gives a no-op task to a hook
 * pool and takes the pool's answer back through its own task queue, which is what the
 * engine does for every hook that is not {@code @NonBlocking}. {@code --chains} such
 * exchanges are in flight at once (the sessions of a load), each {@code --handoffs} long;
 * prints the process's CPU time and the wall time per hand-off and back, for the server's
 * own pool ({@code --pool=platform}: 8 threads and a bounded {@code LinkedBlockingQueue},
 * as {@code NettyServer} makes it) or a virtual thread per hook ({@code --pool=virtual},
 * Java 21 and later, as with {@code spring.threads.virtual.enabled}), and for the same
 * exchange without the pool ({@code --pool=none}: the event loop answers itself), whose
 * cost the others include. See docs/performance.md, scenario H.
 * <p>
 * Usage: {@code java -cp benchmarks.jar dev.smtpd.benchmarks.HandOff --pool=platform
 * --chains=20 --handoffs=20000 --rounds=5}
 */
public final class HandOff {

	private HandOff() {
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		String pool = options.get("pool", "platform");
		int chains = options.getInt("chains", 20);
		int handoffs = options.getInt("handoffs", 20_000);
		int rounds = options.getInt("rounds", 5);
		int warmups = options.getInt("warmups", 3);
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
				Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
		ExecutorService executor = executor(pool);
		try {
			EventLoop loop = group.next();
			for (int round = -warmups; round < rounds; round++) {
				CountDownLatch done = new CountDownLatch(chains);
				long cpu = processCpuNanos();
				long start = System.nanoTime();
				for (int i = 0; i < chains; i++) {
					loop.execute(() -> step(loop, executor, handoffs, done));
				}
				if (!done.await(10, TimeUnit.MINUTES)) {
					throw new IllegalStateException("Hand-offs did not finish");
				}
				long wall = System.nanoTime() - start;
				cpu = processCpuNanos() - cpu;
				if (round >= 0) {
					double count = (double) chains * handoffs;
					System.out.printf(
							"pool=%s chains=%d handoffs=%d cpu-us-per-handoff=%.2f wall-us-per-handoff=%.2f%n", pool,
							chains, handoffs, cpu / count / 1000, wall / count / 1000);
				}
			}
		}
		finally {
			if (executor != null) {
				executor.shutdownNow();
			}
			group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
		}
	}

	/** On the event loop: one more hand-off of this chain, or its end. */
	private static void step(EventLoop loop, ExecutorService executor, int remaining, CountDownLatch done) {
		if (remaining == 0) {
			done.countDown();
			return;
		}
		Runnable back = () -> step(loop, executor, remaining - 1, done);
		if (executor == null) {
			loop.execute(back);
		}
		else {
			executor.execute(() -> loop.execute(back));
		}
	}

	private static ExecutorService executor(String pool) throws ReflectiveOperationException {
		return switch (pool) {
			case "none" -> null;
			case "platform" -> new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000));
			// Java 21 API, called reflectively: this module compiles for Java 17
			case "virtual" ->
				(ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
			default -> throw new IllegalArgumentException("--pool is none, platform or virtual, not " + pool);
		};
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

}
