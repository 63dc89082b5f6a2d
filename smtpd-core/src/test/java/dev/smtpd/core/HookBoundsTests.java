package dev.smtpd.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hooks are bounded: one that does not return in time is answered {@code 451 4.3.0} and
 * interrupted, and the session goes on; a full hook executor answers {@code 451 4.3.2}.
 */
class HookBoundsTests {

	private final CountDownLatch release = new CountDownLatch(1);

	private final CountDownLatch started = new CountDownLatch(1);

	private final CountDownLatch interrupted = new CountDownLatch(1);

	private final CountDownLatch returned = new CountDownLatch(1);

	private TestServer server;

	@AfterEach
	void stop() {
		this.release.countDown();
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	@Timeout(30)
	void aHookThatDoesNotReturnInTimeGets451AndIsInterrupted() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.hookTimeout(Duration.ofMillis(300)).handler(new SmtpHandler() {

				@Override
				public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
					if (address.startsWith("stuck")) {
						try {
							HookBoundsTests.this.release.await();
						}
						catch (InterruptedException ex) {
							HookBoundsTests.this.interrupted.countDown();
						}
					}
					return null;
				}

			}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<stuck@example.com>", 451).text())
				.isEqualTo("4.3.0 Requested action aborted: local error in processing");
			assertThat(this.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
			// the session goes on, its transaction too, once the interrupted hook
			// returned
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> client.command("RCPT TO:<b@example.com>").code() == 250);
			client.command("NOOP", 250);
		}
	}

	@Test
	@Timeout(30)
	void theLateResultOfAHookThatIgnoresInterruptsIsDropped() throws Exception {
		this.server = TestServer
			.start((builder) -> builder.hookTimeout(Duration.ofMillis(300)).handler(new SmtpHandler() {

				@Override
				public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
					boolean wasInterrupted = false;
					while (true) {
						try {
							HookBoundsTests.this.release.await();
							break;
						}
						catch (InterruptedException ex) {
							wasInterrupted = true; // ignored, as badly written code does
						}
					}
					HookBoundsTests.this.returned.countDown();
					return wasInterrupted ? Reply.of(550, "5.1.1", "Late answer") : null;
				}

			}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 451);
			// while the hook that timed out still runs, no other hook of the session
			// starts
			assertThat(client.command("RCPT TO:<c@example.com>", 451).text())
				.isEqualTo("4.3.2 System busy, try again later");
			assertThat(this.returned.getCount()).isOne();
			this.release.countDown();
			assertThat(this.returned.await(10, TimeUnit.SECONDS)).isTrue();
			// the 550 never reaches the client: each command gets its own reply
			client.command("NOOP", 250);
			client.command("RSET", 250);
			client.command("NOOP", 250);
		}
	}

	@Test
	@Timeout(30)
	void aFullHookExecutorAnswers451() throws Exception {
		// one thread, no queue: a second hook at the same time is refused
		this.server = TestServer
			.start((builder) -> builder.hooks(SmtpServerConfig.Hooks.defaults().withThreads(1).withQueueSize(0))
				.handler(blockingRcpt()));
		try (SmtpTestClient first = this.server.connect(); SmtpTestClient second = this.server.connect()) {
			openTransaction(first);
			first.send("RCPT TO:<b@example.com>");
			assertThat(this.started.await(10, TimeUnit.SECONDS)).isTrue();
			openTransaction(second);
			assertThat(second.command("RCPT TO:<b@example.com>", 451).text())
				.isEqualTo("4.3.2 System busy, try again later");
			this.release.countDown();
			first.expect(250);
			// the thread is free again once it is back at the pool's queue, a moment
			// after
			// the first reply left: until then a hook is still refused
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> second.command("RCPT TO:<b@example.com>").code() == 250);
		}
	}

	@Test
	@Timeout(30)
	void hooksBeyondThreadsAndQueueAreRefused() throws Exception {
		// one thread, one queued hook: of the two that follow the running one, exactly
		// one
		// waits and the other is refused
		this.server = TestServer
			.start((builder) -> builder.hooks(SmtpServerConfig.Hooks.defaults().withThreads(1).withQueueSize(1))
				.handler(blockingRcpt()));
		try (SmtpTestClient first = this.server.connect();
				SmtpTestClient second = this.server.connect();
				SmtpTestClient third = this.server.connect()) {
			openTransaction(first);
			openTransaction(second);
			openTransaction(third);
			first.send("RCPT TO:<b@example.com>");
			assertThat(this.started.await(10, TimeUnit.SECONDS)).isTrue();
			second.send("RCPT TO:<b@example.com>");
			third.send("RCPT TO:<b@example.com>");
			// the refusal comes at once, the queued one's reply only after the release
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> available(second) + available(third) > 0);
			SmtpTestClient refused = (available(second) > 0) ? second : third;
			SmtpTestClient waiting = (refused == second) ? third : second;
			assertThat(refused.expect(451).text()).isEqualTo("4.3.2 System busy, try again later");
			assertThat(available(waiting)).isZero();
			this.release.countDown();
			first.expect(250);
			waiting.expect(250);
			refused.command("NOOP", 250);
		}
	}

	@Test
	@Timeout(30)
	void aDataHookThatTimedOutStillReadsItsWholeMessageAfterTheClientLeft(@TempDir Path temp) throws Exception {
		// the message spills to a file: the late hook must still find it whole
		String message = "Subject: late\r\n\r\n" + "x".repeat(998) + "\r\n" + ("y".repeat(78) + "\r\n").repeat(600);
		AtomicReference<String> read = new AtomicReference<>();
		// a delivery's timeout is the longer of the hook and the data timeouts
		this.server = TestServer.start((builder) -> builder.hookTimeout(Duration.ofMillis(300))
			.dataTimeout(Duration.ofSeconds(2))
			.memoryThreshold(1024)
			.tempDirectory(temp)
			.handler(new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
						throws IOException {
					awaitReleaseIgnoringInterrupts();
					read.set(new String(content.toByteArray(), StandardCharsets.ISO_8859_1));
					HookBoundsTests.this.returned.countDown();
					return null;
				}

			}));
		try (SmtpTestClient client = this.server.connect()) {
			openTransaction(client);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw(message + ".\r\n");
			// leaves without waiting for the reply
		}
		// the session is over, and the hook's time too, before the hook returns
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.server.server().sessions().isEmpty());
		assertThat(this.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
		// the event loop task that interrupted the hook goes on to give up its reply;
		// give
		// it time to finish (nothing outside the server can await it)
		Thread.sleep(200);
		this.release.countDown();
		assertThat(this.returned.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(read.get()).isEqualTo(message);
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> spillFiles(temp) == 0);
	}

	@Test
	@Timeout(30)
	void aDataHookThatTimedOutInTheQueueLeavesNoSpillFile(@TempDir Path temp) throws Exception {
		// one thread, busy with the first session's RCPT: the second session's DATA hook
		// waits in the queue until its time is up, and never runs
		this.server = TestServer
			.start((builder) -> builder.hooks(SmtpServerConfig.Hooks.defaults().withThreads(1).withQueueSize(1))
				.hookTimeout(Duration.ofMillis(500))
				.dataTimeout(Duration.ofSeconds(2))
				.memoryThreshold(1024)
				.tempDirectory(temp)
				.handler(new SmtpHandler() {

					@Override
					public @Nullable Reply rcpt(Session session, Envelope envelope, String address,
							RcptOptions options) {
						if (address.startsWith("stuck")) {
							HookBoundsTests.this.started.countDown();
							awaitReleaseIgnoringInterrupts();
						}
						return null;
					}

					@Override
					public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
						HookBoundsTests.this.returned.countDown();
						return null;
					}

				}));
		try (SmtpTestClient first = this.server.connect(); SmtpTestClient second = this.server.connect()) {
			openTransaction(second);
			second.command("RCPT TO:<b@example.com>", 250);
			openTransaction(first);
			first.send("RCPT TO:<stuck@example.com>");
			assertThat(this.started.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(second.data(("y".repeat(78) + "\r\n").repeat(600)).code()).isEqualTo(451);
			assertThat(this.returned.getCount()).isOne();
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> spillFiles(temp) == 0);
			second.command("NOOP", 250);
		}
	}

	private void awaitReleaseIgnoringInterrupts() {
		while (true) {
			try {
				this.release.await();
				return;
			}
			catch (InterruptedException ex) {
				// ignored, as badly written code does
				this.interrupted.countDown();
			}
		}
	}

	private static long spillFiles(Path temp) throws IOException {
		try (Stream<Path> files = Files.walk(temp)) {
			return files.filter((file) -> file.getFileName().toString().endsWith(".msg")).count();
		}
	}

	private static int available(SmtpTestClient client) throws java.io.IOException {
		return client.socket().getInputStream().available();
	}

	private SmtpHandler blockingRcpt() {
		return new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options)
					throws InterruptedException {
				HookBoundsTests.this.started.countDown();
				HookBoundsTests.this.release.await();
				return null;
			}

		};
	}

	private static void openTransaction(SmtpTestClient client) throws java.io.IOException {
		client.ehlo();
		client.command("MAIL FROM:<a@example.com>", 250);
	}

}
