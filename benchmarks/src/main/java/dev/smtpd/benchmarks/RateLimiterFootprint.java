package dev.smtpd.benchmarks;

import java.net.InetAddress;

import dev.smtpd.core.handler.RateLimiter.Event;
import dev.smtpd.core.ratelimit.InMemoryRateLimiter;
import dev.smtpd.core.ratelimit.RateLimits;

/**
 * The heap one counter of the built-in rate limiter takes: fills a limiter with
 * {@code --counters} counters (one connection each from as many addresses, made
 * beforehand so that they are not counted), and compares the used heap after full
 * collections before and after. Prints {@code counters=… bytes-per-counter=…}. Run with a
 * fixed heap ({@code -Xms512m -Xmx512m}) so that the collector does not resize it in
 * between.
 * <p>
 * Options: {@code --counters=100000}.
 */
public final class RateLimiterFootprint {

	private RateLimiterFootprint() {
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		int counters = options.getInt("counters", 100_000);
		InetAddress[] addresses = new InetAddress[counters];
		for (int i = 0; i < counters; i++) {
			addresses[i] = InetAddress.getByAddress(new byte[] { 10, (byte) (i >> 16), (byte) (i >> 8), (byte) i });
		}
		InMemoryRateLimiter limiter = new InMemoryRateLimiter(
				RateLimits.defaults().withConnectionsPerMinute(30).withMaxTrackedClients(counters));
		limiter.acquire(Event.CONNECT, addresses[0], null);
		long before = usedHeap();
		for (int i = 1; i < counters; i++) {
			limiter.acquire(Event.CONNECT, addresses[i], null);
		}
		long after = usedHeap();
		if (limiter.status().tracked() != counters) {
			throw new IllegalStateException("Tracked " + limiter.status().tracked() + " counters, not " + counters);
		}
		System.out.printf("counters=%d bytes-per-counter=%d%n", counters, (after - before) / (counters - 1));
	}

	private static long usedHeap() throws InterruptedException {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 5; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

}
