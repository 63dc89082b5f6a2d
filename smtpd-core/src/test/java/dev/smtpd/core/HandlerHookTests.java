package dev.smtpd.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.NonBlocking;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpException;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler SPI end to end: replies from hooks, the chain, exceptions, and which hooks
 * hop threads.
 */
class HandlerHookTests {

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void theDisconnectedHookWaitsForAHookOfTheSessionThatStillRuns() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		CountDownLatch inMail = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch disconnected = new CountDownLatch(1);
		this.server = TestServer.start((builder) -> builder.handler(new SmtpHandler() {

			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options)
					throws InterruptedException {
				events.add("mail started");
				inMail.countDown();
				release.await(10, TimeUnit.SECONDS);
				events.add("mail returned");
				return null;
			}

			@Override
			public void disconnected(Session session) {
				events.add("disconnected");
				disconnected.countDown();
			}

		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.sendRaw("MAIL FROM:<a@example.com>\r\n");
			assertThat(inMail.await(10, TimeUnit.SECONDS)).isTrue();
			// the server stops while the MAIL hook runs: the session ends under it, and
			// the server's event loop is gone before the hook returns
			this.server.server().stop();
			// proving a negative: the disconnected hook must not start while MAIL's runs
			assertThat(disconnected.await(300, TimeUnit.MILLISECONDS)).isFalse();
			release.countDown();
			assertThat(disconnected.await(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(events).containsExactly("mail started", "mail returned", "disconnected");
	}

	@Test
	void firstHandlerWithAReplyDecides() throws Exception {
		RecordingHandler recorder = new RecordingHandler();
		SmtpHandler rejectBlocked = new SmtpHandler() {
			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return address.endsWith("@blocked.example") ? Reply.of(550, "5.7.1", "Domain not accepted") : null;
			}
		};
		SmtpHandler acceptAll = new SmtpHandler() {
			@Override
			public Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return Reply.of(250, "2.1.5", "Accepted " + address);
			}
		};
		this.server = TestServer
			.start((builder) -> builder.handler(rejectBlocked).handler(acceptAll).handler(recorder));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<x@blocked.example>", 550).text())
				.isEqualTo("5.7.1 Domain not accepted");
			assertThat(client.command("RCPT TO:<y@example.com>", 250).text()).isEqualTo("2.1.5 Accepted y@example.com");
			client.data("x\r\n");
		}
		assertThat(recorder.take().recipients()).containsExactly("y@example.com");
	}

	@Test
	void hookThatThrowsGets451AndSessionGoesOn() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(new SmtpHandler() {
			@Override
			public @Nullable Reply mail(Session session, Envelope envelope, String address,
					dev.smtpd.core.handler.MailOptions options) {
				if (address.startsWith("boom")) {
					throw new IllegalStateException("boom");
				}
				if (address.startsWith("deny")) {
					throw new SmtpException(Reply.of(550, "5.7.1", "Sender denied"));
				}
				return null;
			}
		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("MAIL FROM:<boom@example.com>", 451).text())
				.isEqualTo("4.3.0 Requested action aborted: local error in processing");
			assertThat(client.command("MAIL FROM:<deny@example.com>", 550).text()).isEqualTo("5.7.1 Sender denied");
			client.command("MAIL FROM:<ok@example.com>", 250);
		}
	}

	@Test
	void exceptionHookChoosesTheReply() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(new SmtpHandler() {
			@Override
			public Reply data(Session session, Envelope envelope, MessageContent content) {
				throw new IllegalStateException("disk full");
			}

			@Override
			public Reply exception(Session session, Throwable error) {
				return Reply.of(452, "4.3.1", "Insufficient system storage");
			}
		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("x\r\n").text()).isEqualTo("4.3.1 Insufficient system storage");
			client.command("NOOP", 250);
		}
	}

	@Test
	void ehloHookEditsKeywords() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(new SmtpHandler() {
			@Override
			public @Nullable Reply ehlo(Session session, String hostname, List<String> keywords) {
				keywords.remove("HELP");
				keywords.add("XCLIENT NAME");
				return null;
			}
		}));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).endsWith("250-ENHANCEDSTATUSCODES", "250 XCLIENT NAME")
				.doesNotContain("250-HELP", "250 HELP");
		}
	}

	@Test
	void rejectedMailIsNotRecorded() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(new SmtpHandler() {
			@Override
			public Reply mail(Session session, Envelope envelope, String address,
					dev.smtpd.core.handler.MailOptions options) {
				return Reply.of(451, "4.7.1", "Greylisted");
			}
		}));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 451);
			client.command("RCPT TO:<b@example.com>", 503);
		}
	}

	@Test
	void onlyOverriddenHooksHopToTheHookExecutor() throws Exception {
		AtomicInteger hops = new AtomicInteger();
		Executor pool = Executors.newFixedThreadPool(2);
		Executor counting = (task) -> {
			hops.incrementAndGet();
			pool.execute(task);
		};
		RecordingHandler recorder = new RecordingHandler();
		this.server = TestServer.start((builder) -> builder.handler(recorder).hookExecutor(counting));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("NOOP", 250);
			client.data("x\r\n");
			client.command("RSET", 250);
		}
		recorder.take();
		assertThat(hops).hasValue(1);
	}

	@Test
	void nonBlockingHooksRunOnTheEventLoopWithoutAHop() throws Exception {
		AtomicInteger hops = new AtomicInteger();
		java.util.concurrent.ExecutorService pool = Executors.newSingleThreadExecutor();
		Executor counting = (task) -> {
			hops.incrementAndGet();
			pool.execute(task);
		};
		List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.server = TestServer
			.start((builder) -> builder.handler(new NonBlockingChecks(threads)).hookExecutor(counting));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@blocked.example>", 550);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("Subject: x\r\n\r\nhi\r\n").text()).isEqualTo("2.6.0 Read 18 bytes");
		}
		finally {
			pool.shutdown();
		}
		assertThat(hops).hasValue(0);
		assertThat(threads).hasSize(3).allSatisfy((name) -> assertThat(name).startsWith("smtpd-io"));
	}

	@Test
	void aHookIsNonBlockingOnlyIfEveryHandlerOfItSaysSo() throws Exception {
		List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
		RecordingHandler recorder = new RecordingHandler();
		this.server = TestServer.start((builder) -> builder.handler(recorder).handler(new NonBlockingChecks(threads)));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.data("Subject: x\r\n\r\nhi\r\n");
		}
		// RCPT: only the non-blocking handler overrides it; DATA: the recorder too
		assertThat(recorder.take().thread()).startsWith("smtpd-hook-");
		assertThat(threads).hasSize(2);
		assertThat(threads.get(0)).startsWith("smtpd-io");
		assertThat(threads.get(1)).startsWith("smtpd-hook-");
	}

	@Test
	void aNonBlockingDataHookReadsAMessageInAFileOnTheHookExecutor() throws Exception {
		List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.server = TestServer
			.start((builder) -> builder.handler(new NonBlockingChecks(threads)).memoryThreshold(1024));
		String message = "Subject: x\r\n\r\n" + ("y".repeat(78) + "\r\n").repeat(100);
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			// over the memory threshold: the message is in a file, and disk reads block
			assertThat(client.data(message).text()).isEqualTo("2.6.0 Read " + message.length() + " bytes");
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("Subject: x\r\n\r\nhi\r\n").text()).isEqualTo("2.6.0 Read 18 bytes");
		}
		assertThat(threads).hasSize(4);
		assertThat(threads.get(1)).startsWith("smtpd-hook-");
		assertThat(threads.get(3)).startsWith("smtpd-io");
	}

	/** Checks the recipient's domain and reads the message, without blocking. */
	@NonBlocking
	private static final class NonBlockingChecks implements SmtpHandler {

		private final List<String> threads;

		NonBlockingChecks(List<String> threads) {
			this.threads = threads;
		}

		@Override
		public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
			this.threads.add(Thread.currentThread().getName());
			return address.endsWith("@blocked.example") ? Reply.of(550, "5.7.1", "Domain not accepted") : null;
		}

		@Override
		public Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
			this.threads.add(Thread.currentThread().getName());
			return Reply.of(250, "2.6.0", "Read " + content.toByteArray().length + " bytes");
		}

	}

	@Test
	void commandsAndAHalfCloseArrivingWhileAHookRunsAreAnsweredAfterItInOrder() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		SmtpHandler slowRcpt = new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options)
					throws Exception {
				entered.countDown();
				release.await(10, TimeUnit.SECONDS);
				return Reply.of(250, "2.1.5", "Checked " + address);
			}

		};
		this.server = TestServer.start((builder) -> builder.handler(slowRcpt));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.send("RCPT TO:<b@example.com>");
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			// the server may read these while the hook runs; it answers them after it
			client.sendRaw("NOOP\r\nQUIT\r\n");
			client.socket().shutdownOutput();
			release.countDown();
			assertThat(client.reply().text()).isEqualTo("2.1.5 Checked b@example.com");
			client.expect(250);
			client.expect(221);
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void fullHookExecutorGets451() throws Exception {
		Executor refusing = (task) -> {
			throw new java.util.concurrent.RejectedExecutionException("full");
		};
		this.server = TestServer.start((builder) -> builder.handler(new RecordingHandler()).hookExecutor(refusing));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			assertThat(client.data("x\r\n").text()).isEqualTo("4.3.2 System busy, try again later");
			client.command("NOOP", 250);
		}
	}

}
