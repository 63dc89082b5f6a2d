package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The fuzz tests' harness and checks do what the fuzz tests rely on: the session gets the
 * input in pieces and answers it, and a malformed reply fails.
 */
@Tag("transport-independent")
class FuzzSessionTests {

	@Test
	void aTransactionSplitAcrossPiecesIsAnsweredInFull() {
		FuzzSession session = new FuzzSession((builder) -> {
		});
		byte[] input = (FramerFuzzTests.ENVELOPE + "DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		session.sendInPieces(input, new int[] { 3, 40, 41, 90, 95 });
		String replies = session.finish();
		assertThat(replies).startsWith("220 mx.fuzz.example\r\n")
			.contains("250 2.1.0", "250 2.1.5", "354 ")
			.endsWith("250 2.0.0 OK\r\n221 2.0.0 mx.fuzz.example Bye\r\n");
	}

	@Test
	void anLmtpSessionAnswersTheFinalDotPerRecipient() {
		FuzzSession session = new FuzzSession((builder) -> builder.protocol(dev.smtpd.core.Protocol.LMTP));
		session.send(("LHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
				+ "RCPT TO:<c@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		String replies = session.finish();
		assertThat(replies.split("\r\n")).filteredOn((line) -> line.startsWith("250 2.0.0")).hasSize(2);
	}

	@Test
	void anOverLongCommandLineIsDiscardedWithoutBeingBuffered() {
		FuzzSession session = new FuzzSession((builder) -> {
		});
		byte[] line = ("NOOP " + "x".repeat(5000) + "\r\nNOOP\r\n").getBytes(StandardCharsets.US_ASCII);
		session.sendInPieces(line, new int[] { 100, 1000, 2000, 3000, 4000 });
		assertThat(session.finish()).contains("500 5.5.2", "250 2.0.0");
	}

	@Test
	void aProxyHeaderSplitAcrossPiecesIsAcceptedAndTheSessionFollows() {
		FuzzSession session = ProxyHeaderFuzzTests.session(true);
		byte[] input = ("PROXY TCP4 192.0.2.1 127.0.0.1 40000 25\r\n" + FramerFuzzTests.ENVELOPE
				+ "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		session.sendInPieces(input, new int[] { 3, 10, 40, 45 });
		assertThat(session.proxyAccepted()).isTrue();
		assertThat(session.finish()).startsWith("220 mx.fuzz.example\r\n")
			.endsWith("250 2.0.0 OK\r\n221 2.0.0 mx.fuzz.example Bye\r\n");
	}

	@Test
	void smtpInsteadOfAProxyHeaderGetsNoReplyAndAClosedChannel() {
		FuzzSession session = ProxyHeaderFuzzTests.session(true);
		session.send("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
		assertThat(session.proxyAccepted()).isFalse();
		assertThat(session.isOpen()).isFalse();
		assertThat(session.finish()).isEmpty();
	}

	@Test
	void anUntrustedProxyIsClosedBeforeItSendsAnything() {
		FuzzSession session = ProxyHeaderFuzzTests.session(false);
		assertThat(session.isOpen()).isFalse();
		session.send("PROXY UNKNOWN\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
		assertThat(session.proxyAccepted()).isFalse();
		assertThat(session.finish()).isEmpty();
	}

	@Test
	void aPartialProxyHeaderWaitsForTheRest() {
		FuzzSession session = ProxyHeaderFuzzTests.session(true);
		session.send("PROXY TCP4 192.0.2.1".getBytes(StandardCharsets.US_ASCII));
		assertThat(session.proxyAccepted()).isFalse();
		assertThat(session.waitsForClient()).isTrue();
		assertThat(session.finish()).isEmpty();
	}

	@Test
	void wellFormedRepliesPass() {
		ReplyChecks.assertWellFormed(
				"220 mx ready\r\n250-mx\r\n250-SIZE 10\r\n250 OK\r\n354\r\n".getBytes(StandardCharsets.US_ASCII));
	}

	@Test
	void malformedRepliesFail() {
		String[] bad = { "220 no end", "22 short\r\n", "620 bad class\r\n", "250-open\r\n", "250-a\r\n251 b\r\n",
				"250 " + "x".repeat(509) + "\r\n", "250 bare\nlf\r\n", "250 tab\u0001\r\n" };
		for (String output : bad) {
			assertThatExceptionOfType(AssertionError.class).as(output)
				.isThrownBy(() -> ReplyChecks.assertWellFormed(output.getBytes(StandardCharsets.ISO_8859_1)));
		}
	}

}
