package dev.smtpd.core.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;

import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.handler.RateLimiter.Event;
import dev.smtpd.core.handler.RateLimiter.Limit;
import dev.smtpd.core.handler.RateLimiter.Limited;
import io.github.bucket4j.TimeMeter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The in-memory limiter on a clock the test moves: burst, refill, per address and per
 * login, and the bounds of its memory (idle counters forgotten, a cap on the count).
 */
@Tag("transport-independent")
class InMemoryRateLimiterTests {

	private final FakeClock clock = new FakeClock();

	@Test
	void allowsABurstOfTheLimitThenOneEventPerShareOfTheMinute() throws Exception {
		InMemoryRateLimiter limiter = limiter(RateLimits.defaults().withMessagesPerMinute(3));
		InetAddress client = address("192.0.2.1");
		for (int i = 0; i < 3; i++) {
			assertThat(limiter.acquire(Event.MAIL, client, null)).isNull();
		}
		assertThat(limiter.acquire(Event.MAIL, client, null)).isEqualTo(Limit.MESSAGES);
		this.clock.advance(Duration.ofSeconds(19));
		assertThat(limiter.acquire(Event.MAIL, client, null)).isEqualTo(Limit.MESSAGES);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.acquire(Event.MAIL, client, null)).isNull();
		assertThat(limiter.acquire(Event.MAIL, client, null)).isEqualTo(Limit.MESSAGES);
	}

	@Test
	void countsEachAddressAndEachEventApart() throws Exception {
		InMemoryRateLimiter limiter = limiter(
				RateLimits.defaults().withConnectionsPerMinute(1).withMessagesPerMinute(1));
		InetAddress first = address("192.0.2.1");
		InetAddress second = address("2001:db8::1");
		assertThat(limiter.acquire(Event.CONNECT, first, null)).isNull();
		assertThat(limiter.acquire(Event.CONNECT, first, null)).isEqualTo(Limit.CONNECTIONS);
		assertThat(limiter.acquire(Event.CONNECT, second, null)).isNull();
		assertThat(limiter.acquire(Event.MAIL, first, null)).isNull();
		assertThat(limiter.acquire(Event.RCPT, first, null)).isNull();
		assertThat(limiter.acquire(Event.AUTH, first, null)).isNull();
	}

	@Test
	void countsALoginAcrossAddressesAndLeavesSessionsWithoutOne() throws Exception {
		InMemoryRateLimiter limiter = limiter(
				RateLimits.defaults().withRecipientsPerMinute(100).withLoginRecipientsPerMinute(2));
		assertThat(limiter.acquire(Event.RCPT, address("192.0.2.1"), "alice")).isNull();
		assertThat(limiter.acquire(Event.RCPT, address("192.0.2.2"), "alice")).isNull();
		assertThat(limiter.acquire(Event.RCPT, address("192.0.2.3"), "alice")).isEqualTo(Limit.LOGIN_RECIPIENTS);
		assertThat(limiter.acquire(Event.RCPT, address("192.0.2.3"), "bob")).isNull();
		for (int i = 0; i < 5; i++) {
			assertThat(limiter.acquire(Event.RCPT, address("192.0.2.4"), null)).isNull();
		}
	}

	@Test
	void countsNothingWhenEveryLimitIsOffOrTheClientHasNoAddress() throws Exception {
		InMemoryRateLimiter off = limiter(RateLimits.defaults());
		InMemoryRateLimiter on = limiter(RateLimits.defaults().withConnectionsPerMinute(1));
		for (int i = 0; i < 3; i++) {
			for (Event event : Event.values()) {
				assertThat(off.acquire(event, address("192.0.2.1"), "alice")).isNull();
			}
			assertThat(on.acquire(Event.CONNECT, null, null)).isNull();
		}
		assertThat(off.status().tracked()).isZero();
		assertThat(on.status().tracked()).isZero();
		assertThat(off.status().perMinute()).isEmpty();
		assertThat(on.status().perMinute()).isEqualTo(Map.of(Limit.CONNECTIONS, 1));
	}

	@Test
	void forgetsACounterUnusedForAMinuteWhenItIsFullAgain() throws Exception {
		InMemoryRateLimiter limiter = limiter(RateLimits.defaults().withAuthAttemptsPerMinute(2));
		InetAddress client = address("192.0.2.1");
		limiter.acquire(Event.AUTH, client, null);
		limiter.acquire(Event.AUTH, client, null);
		limiter.acquire(Event.AUTH, address("192.0.2.2"), null);
		this.clock.advance(Duration.ofSeconds(30));
		limiter.acquire(Event.AUTH, address("192.0.2.3"), null);
		assertThat(limiter.status().tracked()).isEqualTo(3);
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(limiter.status().tracked()).isEqualTo(1);
		assertThat(limiter.acquire(Event.AUTH, client, null)).isNull();
		assertThat(limiter.acquire(Event.AUTH, client, null)).isNull();
		assertThat(limiter.acquire(Event.AUTH, client, null)).isEqualTo(Limit.AUTH_ATTEMPTS);
	}

	@Test
	void keepsAtMostMaxTrackedClientsDroppingTheLeastRecentlyUsed() throws Exception {
		InMemoryRateLimiter limiter = limiter(
				RateLimits.defaults().withConnectionsPerMinute(1).withMaxTrackedClients(3));
		for (int i = 1; i <= 3; i++) {
			assertThat(limiter.acquire(Event.CONNECT, address("192.0.2." + i), null)).isNull();
		}
		// .1 is used again (refused), so .2 is the least recently used
		assertThat(limiter.acquire(Event.CONNECT, address("192.0.2.1"), null)).isEqualTo(Limit.CONNECTIONS);
		for (int i = 4; i <= 100; i++) {
			limiter.acquire(Event.CONNECT, address("192.0.2." + i), null);
			assertThat(limiter.status().tracked()).isLessThanOrEqualTo(3);
		}
		assertThat(limiter.evicted()).isEqualTo(97);
		// forgotten, so it starts afresh
		assertThat(limiter.acquire(Event.CONNECT, address("192.0.2.2"), null)).isNull();
	}

	@Test
	void statusListsTheClientsOverALimitWithTheirWait() throws Exception {
		InMemoryRateLimiter limiter = limiter(
				RateLimits.defaults().withMessagesPerMinute(2).withLoginMessagesPerMinute(1));
		InetAddress client = address("192.0.2.7");
		limiter.acquire(Event.MAIL, client, "alice");
		assertThat(limiter.acquire(Event.MAIL, client, "alice")).isEqualTo(Limit.LOGIN_MESSAGES);
		assertThat(limiter.acquire(Event.MAIL, client, "alice")).isEqualTo(Limit.MESSAGES);
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(limiter.status().limited()).containsExactlyInAnyOrder(
				new Limited(Limit.LOGIN_MESSAGES, "alice", Duration.ofSeconds(50)),
				new Limited(Limit.MESSAGES, "192.0.2.7", Duration.ofSeconds(20)));
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(limiter.status().limited()).extracting(Limited::client).containsExactly("alice");
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(limiter.status().limited()).isEmpty();
	}

	@Test
	void rejectsANegativeLimitNamingItsProperty() {
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> RateLimits.defaults().withRecipientsPerMinute(-1))
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("rate-limit.recipients-per-minute"));
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> RateLimits.defaults().withMaxTrackedClients(0))
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("rate-limit.max-tracked-clients"));
	}

	private InMemoryRateLimiter limiter(RateLimits limits) {
		return new InMemoryRateLimiter(limits, this.clock);
	}

	private static InetAddress address(String literal) throws UnknownHostException {
		return InetAddress.getByName(literal);
	}

	private static final class FakeClock implements TimeMeter {

		private long nanos = 1_000_000_000L;

		void advance(Duration duration) {
			this.nanos += duration.toNanos();
		}

		@Override
		public long currentTimeNanos() {
			return this.nanos;
		}

		@Override
		public boolean isWallClockBased() {
			return false;
		}

	}

}
