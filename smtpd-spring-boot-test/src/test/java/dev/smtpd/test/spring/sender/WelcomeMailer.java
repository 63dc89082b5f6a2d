package dev.smtpd.test.spring.sender;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Sends a welcome mail, and tries again (up to three more times) when the server answers
 * {@code 4xx} or the connection is lost; a {@code 5xx} is final.
 */
public class WelcomeMailer {

	private final JavaMailSender mailSender;

	private final RetryTemplate retry = new RetryTemplate(RetryPolicy.builder()
		.maxRetries(3)
		.delay(Duration.ofMillis(20))
		.predicate(WelcomeMailer::isTransient)
		.build());

	private final AtomicInteger attempts = new AtomicInteger();

	public WelcomeMailer(JavaMailSender mailSender) {
		this.mailSender = mailSender;
	}

	public void sendWelcome(String to) {
		SimpleMailMessage message = new SimpleMailMessage();
		message.setFrom("welcome@shop.example");
		message.setTo(to);
		message.setSubject("Welcome to the shop");
		message.setText("Hello, and welcome!");
		this.retry.invoke(() -> {
			this.attempts.incrementAndGet();
			this.mailSender.send(message);
		});
	}

	int attempts() {
		return this.attempts.get();
	}

	/** A reply code 4xx, no reply at all, or an I/O failure. */
	static boolean isTransient(Throwable failure) {
		List<Throwable> failures = new ArrayList<>();
		failures.add(failure);
		if (failure instanceof MailSendException send) {
			failures.addAll(List.of(send.getMessageExceptions()));
		}
		for (Throwable each : failures) {
			for (Throwable cause = each; cause != null; cause = cause.getCause()) {
				if (cause instanceof SMTPSendFailedException sendFailed) {
					return isTransient(sendFailed.getReturnCode());
				}
				if (cause instanceof SMTPAddressFailedException addressFailed) {
					return isTransient(addressFailed.getReturnCode());
				}
				if (cause instanceof IOException) {
					return true;
				}
			}
		}
		return failure instanceof MailException && failure.getMessage() != null
				&& failure.getMessage().contains("Exception reading response");
	}

	private static boolean isTransient(int code) {
		return code < 0 || code / 100 == 4;
	}

}
