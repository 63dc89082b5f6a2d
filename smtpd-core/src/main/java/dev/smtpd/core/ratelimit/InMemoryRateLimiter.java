package dev.smtpd.core.ratelimit;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.smtpd.core.handler.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.ThreadUnsafeBucket;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link RateLimiter}: one Bucket4j token bucket per client and limit, in
 * memory. A limit of {@code n} per minute is a bucket of {@code n} tokens that refills
 * greedily at {@code n} per minute, so a client may burst up to {@code n} events and then
 * goes on at the average rate.
 * <p>
 * Memory is bounded twice. A bucket nobody used for a minute has refilled completely, so
 * it is no different from a new one and is forgotten (exactly, not approximately). And at
 * most {@link RateLimits#maxTrackedClients()} buckets are kept: beyond it the least
 * recently used is dropped, which lets that client start afresh rather than refusing new
 * clients. Both are done on each call from the oldest end of an access-ordered map, so no
 * call walks the whole map.
 * <p>
 * One lock guards the map; each call holds it for a map lookup and a bucket update.
 */
public final class InMemoryRateLimiter implements RateLimiter {

	private static final Duration REFILL = Duration.ofMinutes(1);

	private static final long REFILL_NANOS = REFILL.toNanos();

	/** Clients listed as limited in {@link #status()}: the most recent ones. */
	private static final int MAX_LISTED = 100;

	private final RateLimits limits;

	/**
	 * One configuration per limit, shared by its buckets: a bucket then holds only its
	 * state.
	 */
	private final Map<Limit, BucketConfiguration> configurations = new EnumMap<>(Limit.class);

	private final TimeMeter clock;

	private final LinkedHashMap<Key, Counter> counters = new LinkedHashMap<>(64, 0.75f, true);

	private final LinkedHashMap<Key, Counter> limited = new LinkedHashMap<>();

	private long evicted;

	/**
	 * Creates a limiter on the system's monotonic clock.
	 * @param limits the limits
	 */
	public InMemoryRateLimiter(RateLimits limits) {
		this(limits, TimeMeter.SYSTEM_NANOTIME);
	}

	/**
	 * Creates a limiter on a clock of your own, for tests.
	 * @param limits the limits
	 * @param clock the clock, in nanoseconds; it must never go back
	 */
	public InMemoryRateLimiter(RateLimits limits, TimeMeter clock) {
		this.limits = limits;
		this.clock = clock;
		for (Limit limit : Limit.values()) {
			int perMinute = limits.perMinute(limit);
			if (perMinute > 0) {
				this.configurations.put(limit,
						BucketConfiguration.builder()
							.addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, REFILL).build())
							.build());
			}
		}
	}

	@Override
	public @Nullable Limit acquire(Event event, @Nullable InetAddress address, @Nullable String login) {
		return switch (event) {
			case CONNECT -> take(Limit.CONNECTIONS, address);
			case AUTH -> take(Limit.AUTH_ATTEMPTS, address);
			case MAIL -> first(take(Limit.MESSAGES, address), take(Limit.LOGIN_MESSAGES, login));
			case RCPT -> first(take(Limit.RECIPIENTS, address), take(Limit.LOGIN_RECIPIENTS, login));
		};
	}

	private static @Nullable Limit first(@Nullable Limit byAddress, @Nullable Limit byLogin) {
		return (byAddress != null) ? byAddress : byLogin;
	}

	private @Nullable Limit take(Limit limit, @Nullable Object client) {
		BucketConfiguration configuration = this.configurations.get(limit);
		if (configuration == null || client == null) {
			return null;
		}
		Key key = new Key(limit, client);
		synchronized (this) {
			long now = this.clock.currentTimeNanos();
			forgetIdle(now);
			Counter counter = this.counters.get(key);
			if (counter == null) {
				counter = new Counter(newBucket(configuration));
				this.counters.put(key, counter);
				if (this.counters.size() > this.limits.maxTrackedClients()) {
					Iterator<Counter> eldest = this.counters.values().iterator();
					eldest.next();
					eldest.remove();
					this.evicted++;
				}
			}
			counter.lastUsed = now;
			if (counter.bucket.tryConsume(1)) {
				return null;
			}
			this.limited.remove(key);
			this.limited.put(key, counter);
			if (this.limited.size() > MAX_LISTED) {
				Iterator<Counter> eldest = this.limited.values().iterator();
				eldest.next();
				eldest.remove();
			}
			return limit;
		}
	}

	/**
	 * Drops the buckets unused for the refill time, from the least recently used end;
	 * they are full again. Amortized, each bucket is dropped once.
	 */
	private void forgetIdle(long now) {
		Iterator<Counter> oldest = this.counters.values().iterator();
		while (oldest.hasNext() && now - oldest.next().lastUsed >= REFILL_NANOS) {
			oldest.remove();
		}
		Iterator<Counter> listed = this.limited.values().iterator();
		while (listed.hasNext() && now - listed.next().lastUsed >= REFILL_NANOS) {
			listed.remove();
		}
	}

	private Bucket newBucket(BucketConfiguration configuration) {
		// every call holds this limiter's lock already: no synchronization of its own
		return new ThreadUnsafeBucket(configuration, MathType.INTEGER_64_BITS, this.clock, BucketListener.NOPE);
	}

	@Override
	public synchronized Status status() {
		forgetIdle(this.clock.currentTimeNanos());
		Map<Limit, Integer> perMinute = new EnumMap<>(Limit.class);
		for (Limit limit : Limit.values()) {
			if (this.limits.perMinute(limit) > 0) {
				perMinute.put(limit, this.limits.perMinute(limit));
			}
		}
		List<Limited> limitedNow = new ArrayList<>();
		this.limited.forEach((key, counter) -> {
			long wait = counter.bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
			if (wait > 0) {
				String client = (key.client() instanceof InetAddress address) ? address.getHostAddress()
						: key.client().toString();
				limitedNow.add(new Limited(key.limit(), client, Duration.ofNanos(wait)));
			}
		});
		return new Status(perMinute, this.counters.size(), limitedNow);
	}

	/**
	 * Returns how many buckets were dropped to stay within
	 * {@link RateLimits#maxTrackedClients()} (not counting the idle ones forgotten).
	 * @return the count
	 */
	public synchronized long evicted() {
		return this.evicted;
	}

	/**
	 * Returns the limits.
	 * @return the limits
	 */
	public RateLimits limits() {
		return this.limits;
	}

	/** A client under one limit: an address or a login. */
	private record Key(Limit limit, Object client) {
	}

	private static final class Counter {

		final Bucket bucket;

		long lastUsed;

		Counter(Bucket bucket) {
			this.bucket = bucket;
		}

	}

}
