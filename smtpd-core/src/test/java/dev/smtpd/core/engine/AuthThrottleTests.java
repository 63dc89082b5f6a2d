package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AUTH throttle's memory stays bounded whatever the number of addresses that fail,
 * and an address it has cut off stays cut off while others come and go.
 */
@Tag("transport-independent")
class AuthThrottleTests {

	@Test
	void failuresFromEverNewAddressesNeverGrowItPastItsBound() throws Exception {
		AuthThrottle throttle = new AuthThrottle(3, Duration.ZERO, 8);
		for (int i = 0; i < 1000; i++) {
			throttle.failed(address(i));
			assertThat(throttle.tracked()).isLessThanOrEqualTo(8);
		}
	}

	@Test
	void anAddressCutOffStaysCutOffWhileOthersAreForgotten() throws Exception {
		AuthThrottle throttle = new AuthThrottle(3, Duration.ZERO, 8);
		InetAddress attacker = address(9999);
		for (int i = 0; i < 3; i++) {
			throttle.failed(attacker);
		}
		assertThat(throttle.isBlocked(attacker)).isTrue();
		for (int i = 0; i < 100; i++) {
			throttle.failed(address(i));
		}
		assertThat(throttle.isBlocked(attacker)).isTrue();
		assertThat(throttle.isBlocked(address(0))).isFalse();
	}

	@Test
	void failuresAreCountedPerAddressAndASuccessClearsThem() throws Exception {
		AuthThrottle throttle = new AuthThrottle(2, Duration.ofMillis(100));
		assertThat(throttle.failed(address(1))).isEqualTo(Duration.ofMillis(100).toNanos());
		assertThat(throttle.failed(address(1))).isEqualTo(Duration.ofMillis(200).toNanos());
		assertThat(throttle.isBlocked(address(1))).isTrue();
		assertThat(throttle.isBlocked(address(2))).isFalse();
		throttle.succeeded(address(1));
		assertThat(throttle.isBlocked(address(1))).isFalse();
	}

	private static InetAddress address(int i) throws UnknownHostException {
		return InetAddress.getByAddress(
				new byte[] { 32, 1, 13, (byte) 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) (i >> 8), (byte) i });
	}

}
