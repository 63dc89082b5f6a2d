package dev.smtpd.core.test;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.MessageContent.Transfer;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * Records each delivered message (a copy of envelope and bytes, since the content lives
 * only as long as the DATA hook), how it arrived (transfer, body type, and the content's
 * description, which tells memory from a temporary file) and the thread the hook ran on.
 */
public class RecordingHandler implements SmtpHandler {

	private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
		this.deliveries.add(new Delivery(envelope.mailFrom(), envelope.mailOptions(), envelope.recipientAddresses(),
				content.toByteArray(), envelope.decodedContent(), session.heloName(), Thread.currentThread().getName(),
				content.transfer(), content.bodyType(), content.toString()));
		return null;
	}

	/** Waits up to 10 seconds for the next delivery. */
	public Delivery take() throws InterruptedException {
		Delivery delivery = this.deliveries.poll(10, TimeUnit.SECONDS);
		if (delivery == null) {
			throw new AssertionError("No message was delivered");
		}
		return delivery;
	}

	public int pending() {
		return this.deliveries.size();
	}

	/** One delivered message. */
	public record Delivery(@Nullable String mailFrom, MailOptions options, List<String> recipients, byte[] content,
			@Nullable String decoded, @Nullable String heloName, String thread, Transfer transfer, BodyType bodyType,
			String description) {

		public String text() {
			return new String(this.content, java.nio.charset.StandardCharsets.UTF_8);
		}

	}

}
