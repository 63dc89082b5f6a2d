package dev.smtpd.core.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.handler.RateLimiter.Event;
import dev.smtpd.core.handler.RateLimiter.Limit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one call of the built-in rate limiter costs: a RCPT counted against the address
 * and the login limits, by one client, or by clients taken in turn from a set of
 * {@code clients} addresses (a lookup in a larger map, and a new bucket each time one was
 * dropped: with more clients than {@code max-tracked-clients}, every call). The limits
 * are high enough that no call is refused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class InMemoryRateLimiterBenchmark {

	/** Distinct client addresses the calls cycle through. */
	@Param({ "1", "10000", "200000" })
	public int clients;

	private InMemoryRateLimiter limiter;

	private InetAddress[] addresses;

	private int next;

	@Setup
	public void create() throws UnknownHostException {
		this.limiter = new InMemoryRateLimiter(RateLimits.defaults()
			.withRecipientsPerMinute(Integer.MAX_VALUE)
			.withLoginRecipientsPerMinute(Integer.MAX_VALUE));
		this.addresses = new InetAddress[this.clients];
		for (int i = 0; i < this.clients; i++) {
			this.addresses[i] = InetAddress
				.getByAddress(new byte[] { 10, (byte) (i >> 16), (byte) (i >> 8), (byte) i });
		}
	}

	@Benchmark
	public Limit acquire() {
		InetAddress address = this.addresses[this.next];
		this.next = (this.next + 1 == this.clients) ? 0 : this.next + 1;
		return this.limiter.acquire(Event.RCPT, address, "alice@example.com");
	}

}
