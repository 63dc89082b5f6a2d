package dev.smtpd.autoconfigure.observation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.core.SmtpServer;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One observation per session and per mail transaction; with a tracer every command is an
 * event, without one only refused commands are; conventions that a bean replaces.
 */
class SmtpdObservationsTests {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class, SmtpdObservationAutoConfiguration.class))
		.withBean(TestObservationRegistry.class, () -> this.registry)
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1", "smtpd.handler=sink");

	private static void conversation(int port, String... lines) throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			out.write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.US_ASCII));
			in.readAllBytes();
		}
	}

	@Test
	void eachSessionAndTransactionIsObservedWithItsRefusedCommandsAsEvents() {
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			conversation(port, "EHLO client.example", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>",
					"RCPT TO:<c@example.com>", "RCPT TO:<bad", "DATA", "Subject: x", "", "hello", ".",
					"MAIL FROM:<a@example.com>", "RSET", "QUIT");
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1));
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.transaction", 2)
				.hasAnObservation((observation) -> observation.hasNameEqualTo("smtpd.transaction")
					.hasLowCardinalityKeyValue("smtpd.result", "abandoned")
					.hasHighCardinalityKeyValueWithKey("smtpd.session.id")
					.hasHighCardinalityKeyValue("smtpd.recipients", "0"))
				.hasAnObservation((observation) -> observation.hasNameEqualTo("smtpd.session")
					.hasLowCardinalityKeyValue("smtpd.end", "quit")
					.hasLowCardinalityKeyValue("smtpd.tls", "false")
					.hasHighCardinalityKeyValue("smtpd.helo", "client.example"));
			// the first transaction is the delivered message
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasObservationWithNameEqualTo("smtpd.transaction")
				.that()
				.hasLowCardinalityKeyValue("smtpd.result", "accepted")
				.hasHighCardinalityKeyValue("smtpd.recipients", "2")
				.hasBeenStarted()
				.hasBeenStopped()
				.hasEvent("RCPT", "RCPT 501")
				.doesNotHaveEvent("MAIL", "MAIL 250")
				.doesNotHaveEvent("RCPT", "RCPT 250")
				.doesNotHaveEvent("DATA", "DATA 250");
		});
	}

	@Test
	void behindAProxyTheClientAddressIsTheHeadersAndThePeerTheProxy() {
		this.runner.withPropertyValues("smtpd.proxy-protocol.enabled=true").run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			conversation(port, "PROXY TCP4 192.0.2.10 198.51.100.1 40000 25", "EHLO client.example", "QUIT");
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1));
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasObservationWithNameEqualTo("smtpd.session")
				.that()
				.hasHighCardinalityKeyValue("client.address", "192.0.2.10")
				.hasHighCardinalityKeyValue("network.peer.address", "127.0.0.1");
		});
	}

	@Test
	void anOpenSessionsObservationHasItsHighCardinalityKeysOnlyOnceTheSessionEnds() {
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			try (LineClient client = new LineClient(port)) {
				client.send("EHLO client.example");
				assertThat(client.reply()).startsWith("250 ");
				TestObservationRegistryAssert.assertThat(this.registry)
					.hasObservationWithNameEqualTo("smtpd.session")
					.that()
					.hasBeenStarted()
					.isNotStopped()
					.hasLowCardinalityKeyValue("smtpd.end", "unknown")
					.hasLowCardinalityKeyValue("smtpd.tls", "false")
					.doesNotHaveHighCardinalityKeyValueWithKey("smtpd.session.id")
					.doesNotHaveHighCardinalityKeyValueWithKey("client.address");
				client.send("QUIT");
				client.reply();
			}
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasObservationWithNameEqualTo("smtpd.session")
				.that()
				.hasBeenStopped());
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasObservationWithNameEqualTo("smtpd.session")
				.that()
				.hasLowCardinalityKeyValue("smtpd.end", "quit")
				.hasHighCardinalityKeyValueWithKey("smtpd.session.id")
				.hasHighCardinalityKeyValue("smtpd.helo", "client.example")
				.hasHighCardinalityKeyValue("client.address", "127.0.0.1")
				.hasHighCardinalityKeyValue("network.peer.address", "127.0.0.1");
		});
	}

	@Test
	void anOpenTransactionsObservationHasItsHighCardinalityKeysOnlyOnceItEnds() {
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			try (LineClient client = new LineClient(port)) {
				client.send("HELO client.example", "MAIL FROM:<a@example.com>");
				assertThat(client.reply()).startsWith("250");
				assertThat(client.reply()).startsWith("250");
				TestObservationRegistryAssert.assertThat(this.registry)
					.hasObservationWithNameEqualTo("smtpd.transaction")
					.that()
					.hasBeenStarted()
					.isNotStopped()
					.doesNotHaveHighCardinalityKeyValueWithKey("smtpd.session.id")
					.doesNotHaveHighCardinalityKeyValueWithKey("smtpd.size");
				client.send("RCPT TO:<b@example.com>", "DATA");
				assertThat(client.reply()).startsWith("250");
				assertThat(client.reply()).startsWith("354");
				client.send("Subject: x", "", "hello", ".");
				assertThat(client.reply()).startsWith("250");
				await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
					.hasObservationWithNameEqualTo("smtpd.transaction")
					.that()
					.hasBeenStopped()
					.hasLowCardinalityKeyValue("smtpd.result", "accepted")
					.hasHighCardinalityKeyValueWithKey("smtpd.session.id")
					.hasHighCardinalityKeyValue("smtpd.recipients", "1")
					.hasHighCardinalityKeyValue("smtpd.size", "21"));
				client.send("QUIT");
				client.reply();
			}
		});
	}

	@Test
	void anLmtpGreetingEndsTheTransactionSoTheNextMailIsObservedOnItsOwn() {
		this.runner.withPropertyValues("smtpd.protocol=lmtp").run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			conversation(port, "LHLO client.example", "MAIL FROM:<a@example.com>", "LHLO client.example",
					"MAIL FROM:<b@example.com>", "QUIT");
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.transaction", 2));
		});
	}

	@Test
	void transactionsStayObservedWhenSessionObservationsAreTurnedOff() {
		this.registry.observationConfig().observationPredicate((name, context) -> !name.equals("smtpd.session"));
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			conversation(port, "EHLO client.example", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA",
					"Subject: x", "", "hello", ".", "MAIL FROM:<a@example.com>", "RCPT TO:<bad", "QUIT");
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.transaction", 2));
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 0)
				.hasAnObservation((observation) -> observation.hasNameEqualTo("smtpd.transaction")
					.hasLowCardinalityKeyValue("smtpd.result", "abandoned"))
				.hasObservationWithNameEqualTo("smtpd.transaction")
				.that()
				.hasLowCardinalityKeyValue("smtpd.result", "accepted")
				.hasHighCardinalityKeyValue("smtpd.size", "21")
				.hasBeenStopped();
		});
	}

	@Test
	void refusedCommandsAreSessionEventsWhenTransactionObservationsAreTurnedOff() {
		this.registry.observationConfig().observationPredicate((name, context) -> !name.equals("smtpd.transaction"));
		this.runner.run((context) -> {
			int port = context.getBean(SmtpServer.class).port();
			conversation(port, "EHLO client.example", "MAIL FROM:<a@example.com>", "RCPT TO:<bad", "RSET", "QUIT");
			await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1));
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("smtpd.transaction", 0)
				.hasObservationWithNameEqualTo("smtpd.session")
				.that()
				.hasLowCardinalityKeyValue("smtpd.end", "quit")
				.hasBeenStopped()
				.hasEvent("RCPT", "RCPT 501");
		});
	}

	@Test
	void withATracerEveryCommandIsAnEvent() {
		this.runner.withBean(io.micrometer.tracing.Tracer.class, io.micrometer.tracing.test.simple.SimpleTracer::new)
			.run((context) -> {
				conversation(context.getBean(SmtpServer.class).port(), "EHLO client.example",
						"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "RCPT TO:<bad", "DATA", "Subject: x",
						"", "hello", ".", "QUIT");
				await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
					.hasNumberOfObservationsWithNameEqualTo("smtpd.session", 1));
				TestObservationRegistryAssert.assertThat(this.registry)
					.hasObservationWithNameEqualTo("smtpd.transaction")
					.that()
					.hasEvent("MAIL", "MAIL 250")
					.hasEvent("RCPT", "RCPT 250")
					.hasEvent("RCPT", "RCPT 501")
					.hasEvent("DATA", "DATA 250");
			});
	}

	@Test
	void aConventionBeanReplacesTheDefault() {
		this.runner
			.withBean(SmtpSessionObservationConvention.class, () -> new DefaultSmtpSessionObservationConvention() {

				@Override
				public String getName() {
					return "mail.inbound.session";
				}

				@Override
				public KeyValues getLowCardinalityKeyValues(SmtpSessionContext context) {
					return super.getLowCardinalityKeyValues(context).and("site", "eu-1");
				}

			})
			.run((context) -> {
				conversation(context.getBean(SmtpServer.class).port(), "QUIT");
				await().untilAsserted(() -> TestObservationRegistryAssert.assertThat(this.registry)
					.hasObservationWithNameEqualTo("mail.inbound.session")
					.that()
					.hasLowCardinalityKeyValue("site", "eu-1"));
			});
	}

	/** A client that reads the replies while the session is open, one at a time. */
	private static final class LineClient implements AutoCloseable {

		private final Socket socket;

		private final BufferedReader in;

		private final OutputStream out;

		LineClient(int port) throws IOException {
			this.socket = new Socket("127.0.0.1", port);
			this.socket.setSoTimeout(10_000);
			this.in = new BufferedReader(
					new InputStreamReader(this.socket.getInputStream(), StandardCharsets.US_ASCII));
			this.out = this.socket.getOutputStream();
			this.in.readLine(); // greeting
		}

		void send(String... lines) throws IOException {
			this.out.write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.US_ASCII));
		}

		/** Reads one reply and returns its last line. */
		String reply() throws IOException {
			String line;
			do {
				line = this.in.readLine();
			}
			while (line != null && line.length() > 3 && line.charAt(3) == '-');
			return line;
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

}
