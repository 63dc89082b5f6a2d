package dev.smtpd.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deadlines that trickling cannot stretch, against a socket client that sends a few bytes
 * at a time: a command line must be complete within the timeout of its first byte, and a
 * message (DATA or BDAT) must keep the minimum rate once the grace has passed. Each
 * trickle is bounded; the server must cut it off well before it ends.
 */
class DeadlineTests {

	private final RecordingHandler handler = new RecordingHandler();

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	@Timeout(30)
	void aCommandLineMustBeCompleteWithinTheTimeoutOfItsFirstByte() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(600)));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("NOOP", 250);
			long start = System.nanoTime();
			// a byte every 100 ms, for at most 6 seconds: each byte comes well within the
			// timeout, the line never ends
			Trickle trickle = Trickle.start(client, "NOOP " + "x".repeat(55), 1, 100);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: timeout exceeded");
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(took).isBetween(Duration.ofMillis(550), Duration.ofMillis(3000));
			assertThat(trickle.sent()).isLessThan(56);
			assertThat(client.isClosedByServer()).isTrue();
			trickle.join();
		}
	}

	@Test
	@Timeout(30)
	void aLineThatTricklesButCompletesInTimeIsAnswered() throws Exception {
		this.server = TestServer.start((builder) -> builder.timeout(Duration.ofMillis(1500)));
		try (SmtpTestClient client = this.server.connect()) {
			Trickle.start(client, "NOOP\r\n", 1, 50).join();
			client.expect(250);
		}
	}

	@Test
	@Timeout(30)
	void dataBelowTheMinimumRateIsCutOffAfterTheGrace() throws Exception {
		// grace 500 ms, then 100 octets a second; the client sends 50
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(500)).dataMinRate(100));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.command("DATA", 354);
			long start = System.nanoTime();
			Trickle trickle = Trickle.start(client, "Subject: slow\r\n\r\n" + "x".repeat(280), 5, 100);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: data too slow");
			// allowance after t seconds: 0.5 + 50 t / 100, so it runs out at about 1 s
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(800),
					Duration.ofMillis(4000));
			assertThat(client.isClosedByServer()).isTrue();
			trickle.join();
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	@Timeout(30)
	void aSlowStartWithinTheGraceThenAFastMessageIsAccepted() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(800)).dataMinRate(1000));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.command("DATA", 354);
			// 20 octets in 500 ms (40 a second), within the grace; then 20 KB at once
			Trickle.start(client, "Subject: slow start\r\n", 4, 100).join();
			client.sendRaw(("x".repeat(998) + "\r\n").repeat(20) + ".\r\n");
			client.expect(250);
		}
		assertThat(this.handler.take().content()).hasSize(21 + 20 * 1000);
	}

	@Test
	@Timeout(30)
	void aBdatTransactionBelowTheMinimumRateIsCutOff() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(500)).dataMinRate(100));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.sendRaw("BDAT 300 LAST\r\n");
			Trickle trickle = Trickle.start(client, "x".repeat(300), 5, 100);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: data too slow");
			assertThat(trickle.sent()).isLessThan(300);
			trickle.join();
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	@Timeout(30)
	void aRefusedBdatChunkIsUnderTheMinimumRateToo() throws Exception {
		// its octets are read all the same: refused (no MAIL yet) is no way to trickle
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(500)).dataMinRate(100));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.sendRaw("BDAT 1000000000 LAST\r\n");
			Trickle trickle = Trickle.start(client, "x".repeat(300), 5, 100);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: data too slow");
			assertThat(trickle.sent()).isLessThan(300);
			assertThat(client.isClosedByServer()).isTrue();
			trickle.join();
		}
	}

	@Test
	@Timeout(30)
	void aRefusedChunkAloneLeavesNoRateBehind() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(800)).dataMinRate(1000));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.sendRaw("BDAT 5 LAST\r\nhello");
			assertThat(client.expect(503).text()).isEqualTo("5.5.1 Error: need MAIL command");
			// slower than the rate after the refused chunk, each line within the timeout
			for (int i = 0; i < 3; i++) {
				Trickle.start(client, "NOOP\r\n", 1, 100).join();
				client.expect(250);
			}
			client.command("QUIT", 221);
		}
	}

	@Test
	@Timeout(30)
	void aChunkedMessageIsUnderTheDataTimeoutAsDataIs() throws Exception {
		// no minimum rate: only the DATA deadline bounds a message that trickles
		this.server = TestServer.start((builder) -> builder.handler(this.handler)
			.timeout(Duration.ofMillis(800))
			.dataTimeout(Duration.ofMillis(1000))
			.dataMinRate(0));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.sendRaw("BDAT 5\r\nhello");
			client.expect(250);
			long start = System.nanoTime();
			client.sendRaw("BDAT 300 LAST\r\n");
			Trickle trickle = Trickle.start(client, "x".repeat(300), 1, 100);
			assertThat(client.expect(421).text()).isEqualTo("4.4.2 mx.test.example Error: BDAT took too long");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500),
					Duration.ofMillis(4000));
			assertThat(trickle.sent()).isLessThan(300);
			trickle.join();
		}
		assertThat(this.handler.pending()).isZero();
	}

	@Test
	@Timeout(30)
	void theRateStopsWithTheMessage() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.handler(this.handler).timeout(Duration.ofMillis(800)).dataMinRate(1000));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.sendRaw("BDAT 5 LAST\r\nhello");
			client.expect(250);
			// slow (but each line within the timeout) after the message, longer than the
			// grace: there is no rate to keep any more
			for (int i = 0; i < 3; i++) {
				Trickle.start(client, "NOOP\r\n", 1, 100).join();
				client.expect(250);
			}
			client.command("QUIT", 221);
		}
	}

	private static void openTransaction(SmtpTestClient client) throws IOException {
		client.ehlo();
		client.command("MAIL FROM:<a@example.com>", 250);
		client.command("RCPT TO:<b@example.com>", 250);
	}

	/**
	 * A client that sends text a few bytes at a time from a thread of its own, until it
	 * is all sent or the server closes.
	 */
	static final class Trickle extends Thread {

		private final OutputStream out;

		private final byte[] bytes;

		private final int step;

		private final long pauseMillis;

		private final AtomicInteger sent = new AtomicInteger();

		private Trickle(SmtpTestClient client, String text, int step, long pauseMillis) throws IOException {
			this.out = client.socket().getOutputStream();
			this.bytes = text.getBytes(StandardCharsets.US_ASCII);
			this.step = step;
			this.pauseMillis = pauseMillis;
			setDaemon(true);
		}

		static Trickle start(SmtpTestClient client, String text, int step, long pauseMillis) throws IOException {
			Trickle trickle = new Trickle(client, text, step, pauseMillis);
			trickle.start();
			return trickle;
		}

		int sent() {
			return this.sent.get();
		}

		@Override
		public void run() {
			try {
				for (int i = 0; i < this.bytes.length; i += this.step) {
					if (i > 0) {
						Thread.sleep(this.pauseMillis); // the slow client's pace
					}
					int length = Math.min(this.step, this.bytes.length - i);
					this.out.write(this.bytes, i, length);
					this.out.flush();
					this.sent.addAndGet(length);
				}
			}
			catch (IOException | InterruptedException ex) {
				// closed by the server
			}
		}

	}

}
