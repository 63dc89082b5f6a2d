package dev.smtpd.core;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.SmtpTestClient.TestReply;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Greeting, HELO/EHLO, NOOP, VRFY, EXPN, HELP, QUIT and unknown commands, over a real
 * socket.
 */
class SmtpCommandsTests {

	private TestServer server;

	private void start() {
		this.server = TestServer.start((builder) -> builder.handler(new RecordingHandler()).command(new Ping()));
	}

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void greetingNamesHostAndIdent() throws Exception {
		start();
		try (SmtpTestClient client = new SmtpTestClient(this.server.port())) {
			TestReply greeting = client.expect(220);
			assertThat(greeting.lines()).containsExactly("220 mx.test.example smtpd-test");
		}
	}

	@Test
	void ehloAdvertisesExtensionsWithoutSmtputf8ByDefault() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			TestReply reply = client.command("EHLO client.example", 250);
			// CHUNKING is on by default (DESIGN §4 smtpd.chunking)
			assertThat(reply.lines()).containsExactly("250-mx.test.example", "250-SIZE 33554432", "250-8BITMIME",
					"250-DSN", "250-PIPELINING", "250-CHUNKING", "250-ENHANCEDSTATUSCODES", "250 HELP");
		}
	}

	@Test
	void ehloAdvertisesSmtputf8WhenEnabled() throws Exception {
		this.server = TestServer.start((builder) -> builder.smtputf8(true).dataSizeLimit(1000));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("EHLO client.example", 250).lines()).contains("250-SMTPUTF8", "250-SIZE 1000");
		}
	}

	@Test
	void aSizeLimitOfZeroIsNoLimitAndAdvertisedAsABareSize() throws Exception {
		this.server = TestServer.start((builder) -> builder.dataSizeLimit(0));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("EHLO client.example", 250).lines()).contains("250-SIZE")
				.noneMatch((line) -> line.startsWith("250-SIZE "));
			client.command("MAIL FROM:<a@example.com> SIZE=100000000000", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw(("x".repeat(998) + "\r\n").repeat(2000) + ".\r\n");
			client.expect(250);
		}
	}

	@Test
	void heloAndEhloWithoutNameAreSyntaxErrors() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("HELO", 501).text()).isEqualTo("5.5.4 Syntax: HELO hostname");
			assertThat(client.command("EHLO", 501).text()).isEqualTo("5.5.4 Syntax: EHLO hostname");
			assertThat(client.command("HELO client.example", 250).lines()).containsExactly("250 mx.test.example");
		}
	}

	@Test
	void repeatedEhloResetsTransaction() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.ehlo();
			assertThat(client.command("RCPT TO:<b@example.com>", 503).text())
				.isEqualTo("5.5.1 Error: need MAIL command");
		}
	}

	@Test
	void noopVrfyExpnAnswer() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("NOOP", 250).text()).isEqualTo("2.0.0 OK");
			assertThat(client.command("NOOP with an argument", 250).text()).isEqualTo("2.0.0 OK");
			assertThat(client.command("VRFY someone", 252).text()).startsWith("2.5.0 Cannot VRFY user");
			assertThat(client.command("VRFY", 501).text()).isEqualTo("5.5.4 Syntax: VRFY <address>");
			client.command("VRFY <someone@example.com>", 252);
			client.command("VRFY someone@example.com", 252);
			client.command("VRFY \"some one\"", 252);
			for (String malformed : new String[] { "@@", "someone@", "@example.com", "<>", "some one", "a..b" }) {
				assertThat(client.command("VRFY " + malformed, 501).text()).isEqualTo("5.5.4 Syntax: VRFY <address>");
			}
			assertThat(client.command("EXPN list", 502).text()).isEqualTo("5.5.1 EXPN not implemented");
		}
	}

	@Test
	void helpListsBuiltInAndCustomCommands() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("HELP", 214).text())
				.isEqualTo("2.0.0 Supported commands: DATA EHLO EXPN HELO HELP MAIL NOOP PING QUIT RCPT RSET VRFY");
			assertThat(client.command("HELP mail", 214).text())
				.isEqualTo("2.0.0 Syntax: MAIL FROM:<address> [SP <mail-parameters>]");
			assertThat(client.command("HELP PING", 214).text()).isEqualTo("2.0.0 Syntax: PING [<text>]");
			assertThat(client.command("HELP FOO", 501).text()).startsWith("5.5.4 Supported commands:");
		}
	}

	@Test
	void customCommandRuns() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("PING", 250).text()).isEqualTo("2.0.0 PONG");
			assertThat(client.command("ping hello", 250).text()).isEqualTo("2.0.0 hello");
		}
	}

	@Test
	void quitAnswers221AndCloses() throws Exception {
		start();
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.command("QUIT", 221).text()).isEqualTo("2.0.0 mx.test.example Bye");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void unknownCommandsGet500ThenTooMany421AndClose() throws Exception {
		this.server = TestServer.start((builder) -> builder.maxUnrecognizedCommands(3));
		try (SmtpTestClient client = this.server.connect()) {
			for (int i = 0; i < 3; i++) {
				assertThat(client.command("FOO", 500).text()).isEqualTo("5.5.2 Error: command not recognized");
			}
			assertThat(client.command("FOO", 421).text())
				.isEqualTo("4.7.0 mx.test.example Error: too many unrecognized commands, goodbye");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void linesTooLongCountAsUnrecognizedWhateverTheirLength() throws Exception {
		this.server = TestServer.start((builder) -> builder.maxUnrecognizedCommands(3));
		try (SmtpTestClient client = this.server.connect()) {
			// over the command size limit (512) but within what the framer reads for the
			// parameters MAIL may carry, then far over it
			String longLine = "NOOP " + "x".repeat(520);
			assertThat(client.command(longLine, 500).text()).isEqualTo("5.5.2 Error: line too long");
			assertThat(client.command(longLine, 500).text()).isEqualTo("5.5.2 Error: line too long");
			client.command("FOO", 500);
			assertThat(client.command(longLine, 421).text())
				.isEqualTo("4.7.0 mx.test.example Error: too many unrecognized commands, goodbye");
			assertThat(client.isClosedByServer()).isTrue();
		}
		try (SmtpTestClient client = this.server.connect()) {
			String longerLine = "NOOP " + "x".repeat(5000);
			for (int i = 0; i < 3; i++) {
				assertThat(client.command(longerLine).code()).isEqualTo(500);
			}
			assertThat(client.command(longerLine, 421).text())
				.isEqualTo("4.7.0 mx.test.example Error: too many unrecognized commands, goodbye");
		}
	}

	@Test
	void commandCallLimitAnswers421AndCloses() throws Exception {
		this.server = TestServer.start((builder) -> builder.commandCallLimit(100).commandCallLimit("NOOP", 2));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("NOOP", 250);
			client.command("NOOP", 250);
			assertThat(client.command("NOOP", 421).text())
				.isEqualTo("4.7.0 mx.test.example Error: too many NOOP commands");
			assertThat(client.isClosedByServer()).isTrue();
		}
	}

	@Test
	void defaultCommandCallLimitAppliesToEveryVerb() throws Exception {
		this.server = TestServer.start((builder) -> builder.commandCallLimit(1));
		try (SmtpTestClient client = this.server.connect()) {
			client.command("HELP", 214);
			client.command("NOOP", 250);
			client.command("HELP", 421);
		}
	}

	@Test
	void repliesNeverEchoControlOrNonAsciiCharacters() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(new dev.smtpd.core.handler.SmtpHandler() {
			@Override
			public Reply noop(Session session, String argument) {
				return Reply.of(550, "5.1.1", "Unknown user " + argument);
			}
		}));
		try (SmtpTestClient client = this.server.connect()) {
			TestReply reply = client.command("NOOP bj\u00f6rn\u001b[31m", 550);
			assertThat(reply.lines()).containsExactly("550 5.1.1 Unknown user bj?rn?[31m");
		}
	}

	static class Ping implements SmtpCommand {

		@Override
		public String verb() {
			return "PING";
		}

		@Override
		public String syntax() {
			return "PING [<text>]";
		}

		@Override
		public Reply execute(Session session, Envelope envelope, String argument) {
			return Reply.of(250, "2.0.0", argument.isEmpty() ? "PONG" : argument);
		}

	}

}
