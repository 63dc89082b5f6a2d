package dev.smtpd.core.engine;

import java.time.Duration;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpd.core.Cidr;
import dev.smtpd.core.SmtpServerConfig;
import org.junit.jupiter.api.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the PROXY protocol header ({@link ProxyHeaderDecoder} and
 * {@link ProxyProtocolHandler}) through the real pipeline: the fuzzer's bytes are what
 * the connection starts with (a v1 or v2 header, or anything, and what follows it), split
 * at offsets it picks, from a client address (loopback) the settings trust or not, as it
 * picks. Besides what {@link FuzzSession} checks: an untrusted client is closed at once;
 * until a header was accepted the server writes nothing; a connection whose header was
 * not accepted is either closed or waits for more bytes, holding at most
 * {@link ProxyHeaderDecoder#MAX_HEADER_BYTES}.
 */
@Tag("transport-independent")
class ProxyHeaderFuzzTests {

	@FuzzTest
	@DictionaryFile(resourcePath = "/dev/smtpd/core/engine/proxy-header.dict")
	void header(FuzzedDataProvider data) {
		boolean trusted = data.consumeBoolean();
		FuzzSession session = session(trusted);
		if (!trusted) {
			assertThat(session.isOpen()).as("open to an untrusted client").isFalse();
		}
		int[] cuts = new int[data.consumeInt(0, 8)];
		for (int i = 0; i < cuts.length; i++) {
			cuts[i] = data.consumeInt(0, 1 << 13);
		}
		session.sendInPieces(data.consumeRemainingAsBytes(), cuts);
		if (!session.proxyAccepted()) {
			assertThat(!session.isOpen() || session.waitsForClient())
				.as("without an accepted header, closed or waiting for more")
				.isTrue();
		}
		assertThat(session.proxyAccepted() && !trusted).as("accepted from an untrusted client").isFalse();
		session.finish();
	}

	/**
	 * Opens a session with the PROXY protocol on (and a timeout that does not strike in a
	 * test).
	 * @param trusted whether the client's address (loopback) is in the trusted networks
	 * @return the session
	 */
	static FuzzSession session(boolean trusted) {
		Cidr network = Cidr.parse(trusted ? "127.0.0.0/8" : "10.0.0.0/8");
		return new FuzzSession((builder) -> builder.proxyProtocol(SmtpServerConfig.ProxyProtocol.defaults()
			.withEnabled(true)
			.withTimeout(Duration.ofHours(1))
			.withTrustedProxies(List.of(network))));
	}

}
