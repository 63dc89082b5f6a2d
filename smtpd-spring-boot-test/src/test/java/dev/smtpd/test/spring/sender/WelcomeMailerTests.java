package dev.smtpd.test.spring.sender;

import dev.smtpd.test.Exchange;
import dev.smtpd.test.FaultPoint;
import dev.smtpd.test.Faults;
import dev.smtpd.test.Inbox;
import dev.smtpd.test.MailCatcher;
import dev.smtpd.test.spring.AutoConfigureMailCatcher;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mail.MailSendException;

import static dev.smtpd.test.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The example of a Spring Boot application that sends mail with {@code JavaMailSender}
 * and retries on {@code 4xx}: one annotation points {@code spring.mail.*} at a catcher,
 * and faults make the retries happen.
 */
@SpringBootTest(classes = SenderApplication.class, properties = "smtpd.enabled=false")
@AutoConfigureMailCatcher
class WelcomeMailerTests {

	@Autowired
	WelcomeMailer mailer;

	@Autowired
	Inbox inbox;

	@Autowired
	Faults faults;

	@Autowired
	MailCatcher catcher;

	@Test
	void springMailPropertiesPointAtTheCatcher(@Value("${spring.mail.host}") String host,
			@Value("${spring.mail.port}") int port) {
		assertThat(host).isEqualTo("127.0.0.1");
		assertThat(port).isEqualTo(this.catcher.port());
	}

	@Test
	void welcomeMailArrives() {
		this.mailer.sendWelcome("bob@example.com");
		assertThat(this.inbox).singleMessage()
			.hasSubject("Welcome to the shop")
			.hasRecipient("bob@example.com")
			.isFrom("welcome@shop.example")
			.hasTextContaining("welcome!");
	}

	@Test
	void twoTransientFailuresAreRetriedAndTheMailArrivesOnce() {
		this.faults.on(FaultPoint.DATA).reply("451 4.3.0 Try again later").times(2);
		int before = this.mailer.attempts();
		this.mailer.sendWelcome("bob@example.com");
		assertThat(this.mailer.attempts() - before).isEqualTo(3);
		assertThat(this.inbox).hasMessages(1);
		assertThat(this.catcher.transcript()).filteredOn((exchange) -> exchange.verb().equals("DATA"))
			.extracting(Exchange::replyCode)
			.containsExactly(354, 451, 354, 451, 354, 250);
	}

	@Test
	void aConnectionDroppedAfterTheFinalDotIsRetried() {
		this.faults.on(FaultPoint.DATA).dropConnection();
		this.mailer.sendWelcome("bob@example.com");
		assertThat(this.inbox).singleMessage().hasRecipient("bob@example.com");
		assertThat(this.faults.triggered()).singleElement()
			.satisfies((fault) -> assertThat(fault.outcome()).isEqualTo("dropped"));
		// the client reconnected: the second CONNECT follows the drop
		assertThat(this.catcher.transcript()).extracting(Exchange::verb).containsSubsequence("DATA", "CONNECT", "MAIL");
	}

	@Test
	void aConnectionDroppedAfter354IsRetried() {
		this.faults.on(FaultPoint.DATA_START).dropConnection();
		this.mailer.sendWelcome("bob@example.com");
		assertThat(this.inbox).hasMessages(1);
	}

	@Test
	void aPermanentFailureIsNotRetried() {
		this.faults.on(FaultPoint.RCPT, "nobody@example.com").reply("550 5.1.1 No such user").always();
		int before = this.mailer.attempts();
		assertThatExceptionOfType(MailSendException.class)
			.isThrownBy(() -> this.mailer.sendWelcome("nobody@example.com"));
		assertThat(this.mailer.attempts() - before).isEqualTo(1);
		assertThat(this.inbox).hasNoMessages();
	}

	@Test
	void eachTestStartsWithoutMessagesOrFaults() {
		assertThat(this.inbox).hasNoMessages();
		assertThat(this.faults.registered()).isEmpty();
		assertThat(this.catcher.transcript()).isEmpty();
	}

}
