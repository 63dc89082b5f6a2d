package dev.smtpd.core;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * CIDR blocks of {@code proxy-protocol.trusted-proxies}, and the group's checks.
 */
@Tag("transport-independent")
class CidrTests {

	@Test
	void blocksContainTheirAddressesOnly() throws Exception {
		Cidr ten = Cidr.parse("10.1.2.3/8");
		assertThat(ten).hasToString("10.0.0.0/8");
		assertThat(ten.contains(InetAddress.getByName("10.255.0.1"))).isTrue();
		assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
		assertThat(Cidr.parse("192.168.1.128/25").contains(InetAddress.getByName("192.168.1.127"))).isFalse();
		assertThat(Cidr.parse("fd00::/8").contains(InetAddress.getByName("fd12::1"))).isTrue();
		assertThat(Cidr.parse("fd00::/8").contains(InetAddress.getByName("10.0.0.1"))).isFalse();
		assertThat(Cidr.parse("::1").contains(InetAddress.getByName("::1"))).isTrue();
		assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
		// Java gives an IPv4-mapped IPv6 address as IPv4
		assertThat(ten.contains(InetAddress.getByName("::ffff:10.0.0.1"))).isTrue();
	}

	@Test
	void namesAndBadPrefixesAreRefusedWithoutALookup() {
		for (String bad : List.of("localhost", "proxy.example", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/x", "",
				"1.2.3.4/-1")) {
			assertThatExceptionOfType(IllegalArgumentException.class).as(bad).isThrownBy(() -> Cidr.parse(bad));
		}
	}

	@Test
	void groupNamesThePropertyOfABadValue() {
		SmtpServerConfig.ProxyProtocol defaults = SmtpServerConfig.ProxyProtocol.defaults();
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> defaults.withTrustedProxyNetworks(List.of("127.0.0.0/8", "10.0.0.0/40")))
			.satisfies((ex) -> {
				assertThat(ex.key()).isEqualTo("proxy-protocol.trusted-proxies");
				assertThat(ex.getMessage()).contains("10.0.0.0/40");
			});
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> defaults.withTimeout(Duration.ZERO))
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("proxy-protocol.timeout"));
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> defaults.withEnabled(true).withTrustedProxies(List.of()))
			.satisfies((ex) -> assertThat(ex.key()).isEqualTo("proxy-protocol.trusted-proxies"));
	}

}
