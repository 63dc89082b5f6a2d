package dev.smtpd.test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.handler.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Each kind of fault, seen by a client on the wire.
 */
class FaultsTests {

	private static final String MESSAGE = "Subject: hello\r\n\r\nHello\r\n";

	private final MailCatcher catcher = MailCatcher.start();

	@AfterEach
	void close() {
		this.catcher.close();
	}

	private TestSmtpClient transaction() throws IOException {
		TestSmtpClient client = TestSmtpClient.connect(this.catcher.port());
		assertThat(client.command("EHLO client.test").code()).isEqualTo(250);
		assertThat(client.command("MAIL FROM:<a@example.com>").code()).isEqualTo(250);
		assertThat(client.command("RCPT TO:<b@example.com>").code()).isEqualTo(250);
		return client;
	}

	@Test
	void whenFirstTwoMessagesFailThenTheThirdIsAccepted() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA).reply("451 4.3.0 Try again later").times(2);
		List<Integer> codes = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			codes.add(TestSmtpClient.send(this.catcher.port(), "a@example.com", List.of("b@example.com"), MESSAGE)
				.code());
		}
		assertThat(codes).containsExactly(451, 451, 250);
		assertThat(this.catcher.inbox()).hasMessages(1);
		assertThat(this.catcher.faults().triggered()).extracting(TriggeredFault::point, TriggeredFault::outcome)
			.containsExactly(tuple(FaultPoint.DATA, "451 4.3.0 Try again later"),
					tuple(FaultPoint.DATA, "451 4.3.0 Try again later"));
		assertThat(this.catcher.faults().registered()).singleElement()
			.satisfies((fault) -> assertThat(fault.triggeredCount()).isEqualTo(2));
	}

	@Test
	void failFirstAcceptsOnlyAfterThatManyFailures() throws Exception {
		this.catcher.faults().failFirst(1);
		assertThat(
				TestSmtpClient.send(this.catcher.port(), "a@example.com", List.of("b@example.com"), MESSAGE).toString())
			.isEqualTo("451 4.3.0 Try again later");
		assertThat(TestSmtpClient.send(this.catcher.port(), "a@example.com", List.of("b@example.com"), MESSAGE).code())
			.isEqualTo(250);
	}

	@Test
	void whenRcptFaultMatchesAnAddressThenOnlyThatRecipientIsRefusedOnce() throws Exception {
		this.catcher.faults().on(FaultPoint.RCPT, "x@example.com").reply(Reply.of(452, "4.2.2", "Mailbox full"));
		try (TestSmtpClient client = transaction()) {
			assertThat(client.command("RCPT TO:<X@example.com>").toString()).isEqualTo("452 4.2.2 Mailbox full");
			assertThat(client.command("RCPT TO:<x@example.com>").code()).isEqualTo(250);
			assertThat(client.command("RCPT TO:<y@example.com>").code()).isEqualTo(250);
		}
	}

	@Test
	void whenDataDropsThenTheClientGetsNoReplyAfterTheFinalDotAndNothingIsKept() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA).dropConnection();
		try (TestSmtpClient client = transaction()) {
			assertThat(client.command("DATA").code()).isEqualTo(354);
			client.send(MESSAGE + ".\r\n");
			assertThatIOException().isThrownBy(client::reply).withMessageContaining("closed");
		}
		assertThat(this.catcher.inbox()).hasNoMessages();
		assertThat(this.catcher.transcript()).last().isEqualTo(new Exchange(sessionOf(0), "DATA", 0, true));
		assertThat(this.catcher.faults().triggered()).singleElement()
			.extracting(TriggeredFault::outcome)
			.isEqualTo(TriggeredFault.DROPPED);
	}

	@Test
	void whenDataStartDropsThenTheConnectionClosesAfter354() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA_START).dropConnection();
		try (TestSmtpClient client = transaction()) {
			assertThat(client.command("DATA").code()).isEqualTo(354);
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.catcher.inbox()).hasNoMessages();
		assertThat(this.catcher.transcript()).extracting(Exchange::verb, Exchange::replyCode)
			.endsWith(tuple("DATA", 354), tuple("DATA", 0));
	}

	@Test
	void whenDataStartDropsAfterSomeOctetsThenTheConnectionClosesMidData() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA_START).dropConnectionAfter(1000);
		try (TestSmtpClient client = transaction()) {
			assertThat(client.command("DATA").code()).isEqualTo(354);
			client.send("Subject: big\r\n\r\n");
			for (int i = 0; i < 20; i++) {
				client.send("x".repeat(98) + "\r\n");
			}
			assertThat(client.isClosedByServer()).isTrue();
		}
		assertThat(this.catcher.inbox()).hasNoMessages();
		assertThat(this.catcher.transcript()).extracting(Exchange::verb, Exchange::replyCode)
			.endsWith(tuple("DATA", 354), tuple("DATA", 0));
	}

	@Test
	void whenDataStartRepliesThenDataIsRefusedAndTheTransactionCanRetry() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA_START).reply("451 4.3.0 Not now");
		try (TestSmtpClient client = transaction()) {
			assertThat(client.data(MESSAGE).code()).isEqualTo(451);
			assertThat(client.data(MESSAGE).code()).isEqualTo(250);
		}
		assertThat(this.catcher.inbox()).singleMessage().hasSubject("hello");
	}

	@Test
	void whenConnectionsAreRefusedThenTheGreetingIs421() throws Exception {
		this.catcher.faults().refuseConnections();
		assertThatIOException().isThrownBy(() -> {
			try (TestSmtpClient client = TestSmtpClient.connect(this.catcher.port())) {
				assertThat(client.greeting().code()).isEqualTo(421);
				client.command("EHLO client.test");
			}
		});
		assertThat(this.catcher.transcript()).first().satisfies((exchange) -> {
			assertThat(exchange.verb()).isEqualTo("CONNECT");
			assertThat(exchange.replyCode()).isEqualTo(421);
			assertThat(exchange.faulted()).isTrue();
		});
	}

	@Test
	void whenAuthIsRequiredThenMailWaitsForAuth() throws Exception {
		this.catcher.faults().requireAuth();
		try (TestSmtpClient client = TestSmtpClient.connect(this.catcher.port())) {
			assertThat(client.command("EHLO client.test").lines()).anyMatch((line) -> line.startsWith("AUTH"));
			assertThat(client.command("MAIL FROM:<a@example.com>").code()).isEqualTo(530);
			// PLAIN: \0alice\0secret
			assertThat(client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").code()).isEqualTo(235);
			assertThat(client.command("MAIL FROM:<a@example.com>").code()).isEqualTo(250);
			assertThat(client.command("RCPT TO:<b@example.com>").code()).isEqualTo(250);
			assertThat(client.data(MESSAGE).code()).isEqualTo(250);
		}
		assertThat(this.catcher.inbox()).singleMessage().authenticatedAs("alice");
	}

	@Test
	void whenUsersAreGivenThenOnlyTheirCredentialsAuthenticate() throws Exception {
		try (MailCatcher strict = MailCatcher.builder().users(java.util.Map.of("alice", "secret")).start();
				TestSmtpClient client = TestSmtpClient.connect(strict.port())) {
			client.command("EHLO client.test");
			// \0alice\0wrong
			assertThat(client.command("AUTH PLAIN AGFsaWNlAHdyb25n").code()).isEqualTo(535);
			assertThat(client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").code()).isEqualTo(235);
		}
	}

	@Test
	void whenMailIsDelayedThenTheReplyComesAfterTheDelayWhileOtherClientsAreServed() throws Exception {
		this.catcher.faults().on(FaultPoint.MAIL, "slow@example.com").after(Duration.ofSeconds(1)).proceed();
		CountDownLatch slowAnswered = new CountDownLatch(1);
		try (TestSmtpClient slow = TestSmtpClient.connect(this.catcher.port());
				TestSmtpClient fast = TestSmtpClient.connect(this.catcher.port())) {
			slow.command("EHLO slow.test");
			fast.command("EHLO fast.test");
			slow.send("MAIL FROM:<slow@example.com>\r\n");
			Thread reader = new Thread(() -> {
				try {
					if (slow.reply().code() == 250) {
						slowAnswered.countDown();
					}
				}
				catch (IOException ex) {
					// the latch stays up and the test fails below
				}
			});
			reader.start();
			assertThat(fast.command("MAIL FROM:<fast@example.com>").code()).isEqualTo(250);
			assertThat(slowAnswered.getCount()).as("slow MAIL answered before the fast one").isEqualTo(1);
			assertThat(slowAnswered.await(10, TimeUnit.SECONDS)).isTrue();
			reader.join();
		}
		assertThat(this.catcher.faults().triggered()).singleElement()
			.extracting(TriggeredFault::outcome)
			.isEqualTo(TriggeredFault.DELAYED);
	}

	@Test
	void resetForgetsMessagesFaultsAndTranscript() throws Exception {
		this.catcher.faults().on(FaultPoint.DATA).reply("451 4.3.0 Later").always();
		TestSmtpClient.send(this.catcher.port(), "a@example.com", List.of("b@example.com"), MESSAGE);
		this.catcher.reset();
		assertThat(this.catcher.transcript()).isEmpty();
		assertThat(this.catcher.faults().triggered()).isEmpty();
		assertThat(TestSmtpClient.send(this.catcher.port(), "a@example.com", List.of("b@example.com"), MESSAGE).code())
			.isEqualTo(250);
		assertThat(this.catcher.inbox()).hasMessages(1);
	}

	@Test
	void underLmtpTheMessageIsCaughtOnceAndAFaultAnswersEachRecipient() throws Exception {
		try (MailCatcher lmtp = MailCatcher.builder().protocol(Protocol.LMTP).start();
				TestSmtpClient client = TestSmtpClient.connect(lmtp.port())) {
			client.command("LHLO client.test");
			client.command("MAIL FROM:<a@example.com>");
			client.command("RCPT TO:<b@example.com>");
			client.command("RCPT TO:<c@example.com>");
			assertThat(client.data(MESSAGE).code()).isEqualTo(250);
			assertThat(client.reply().code()).isEqualTo(250);
			lmtp.faults().on(FaultPoint.DATA).reply("452 4.2.2 Over quota");
			client.command("MAIL FROM:<a@example.com>");
			client.command("RCPT TO:<b@example.com>");
			client.command("RCPT TO:<c@example.com>");
			assertThat(client.data(MESSAGE).code()).isEqualTo(452);
			assertThat(client.reply().code()).isEqualTo(452);
			assertThat(lmtp.inbox()).singleMessage().hasRecipients("b@example.com", "c@example.com");
		}
	}

	private String sessionOf(int index) {
		return this.catcher.transcript().get(index).sessionId();
	}

}
