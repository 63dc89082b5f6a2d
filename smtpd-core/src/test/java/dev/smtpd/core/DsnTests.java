package dev.smtpd.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.OriginalRecipient;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DSN (RFC 3461) over a real socket: the keyword, and the typed options a handler sees.
 */
class DsnTests {

	private final List<MailOptions> mails = new CopyOnWriteArrayList<>();

	private final List<RcptOptions> rcpts = new CopyOnWriteArrayList<>();

	private final SmtpHandler handler = new SmtpHandler() {

		@Override
		public Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
			DsnTests.this.mails.add(options);
			return null;
		}

		@Override
		public Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
			DsnTests.this.rcpts.add(options);
			return null;
		}

	};

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void ehloAdvertisesDsnByDefault() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).contains("250-DSN");
		}
	}

	@Test
	void handlerSeesTypedDsnOptions() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ+2B314159", 250);
			client.command("RCPT TO:<b@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+2Bold@example.com", 250);
			client.command("RCPT TO:<c@example.com> NOTIFY=NEVER", 250);
			client.command("RCPT TO:<d@example.com>", 250);
		}
		assertThat(this.mails).singleElement().satisfies((options) -> {
			assertThat(options.ret()).isEqualTo(DsnReturn.HDRS);
			assertThat(options.envelopeId()).isEqualTo("QQ+314159");
			assertThat(options.parameters()).containsEntry("ENVID", "QQ+2B314159");
		});
		assertThat(this.rcpts).hasSize(3);
		assertThat(this.rcpts.get(0).notifyOn()).containsExactly(DsnNotify.SUCCESS, DsnNotify.DELAY);
		assertThat(this.rcpts.get(0).originalRecipient())
			.isEqualTo(new OriginalRecipient("rfc822", "b+old@example.com"));
		assertThat(this.rcpts.get(1).notifyOn()).containsExactly(DsnNotify.NEVER);
		assertThat(this.rcpts.get(1).originalRecipient()).isNull();
		assertThat(this.rcpts.get(2)).isEqualTo(RcptOptions.NONE);
	}

	@Test
	void malformedDsnParametersGet501WithoutEcho() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			assertThat(client.command("MAIL FROM:<a@example.com> RET=EVIL", 501).text()).startsWith("5.5.4")
				.doesNotContain("EVIL");
			assertThat(client.command("MAIL FROM:<a@example.com> NOTIFY=NEVER", 501).text()).startsWith("5.5.4");
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<b@example.com> NOTIFY=NEVER,SUCCESS", 501).text()).startsWith("5.5.4");
			assertThat(client.command("RCPT TO:<b@example.com> RET=FULL", 501).text()).startsWith("5.5.4");
			assertThat(client.command("RCPT TO:<b@example.com> ORCPT=rfc822;b+0D+0A@example.com", 501).text())
				.startsWith("5.5.4");
		}
		assertThat(this.rcpts).isEmpty();
	}

	@Test
	void whenDsnIsOffItIsNotAdvertisedAndItsParametersAreUnknown() throws Exception {
		this.server = TestServer.start((builder) -> builder.handler(this.handler).dsn(false));
		try (SmtpTestClient client = this.server.connect()) {
			assertThat(client.ehlo().lines()).noneMatch((line) -> line.contains("DSN"));
			assertThat(client.command("MAIL FROM:<a@example.com> RET=FULL", 555).text()).startsWith("5.5.4");
			client.command("MAIL FROM:<a@example.com>", 250);
			assertThat(client.command("RCPT TO:<b@example.com> NOTIFY=NEVER", 555).text()).startsWith("5.5.4");
		}
		assertThat(this.server.server().config().extensions().dsn()).isFalse();
	}

}
