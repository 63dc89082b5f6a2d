package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;

/**
 * Hands each message to {@link #handleMessage} as a parsed Jakarta Mail
 * {@link MimeMessage}, with {@code X-Peer}, {@code X-MailFrom} and {@code X-RcptTo}
 * headers added, as aiosmtpd's {@code Message} handler does. Needs
 * {@code jakarta.mail-api} and an implementation (Angus Mail) on the class path.
 */
public abstract class MimeMessageHandler implements SmtpHandler {

	private final jakarta.mail.Session mailSession = jakarta.mail.Session.getInstance(new Properties());

	private final jakarta.mail.Session utf8MailSession = jakarta.mail.Session.getInstance(utf8Headers());

	@Override
	public final @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
		// UTF-8 header fields only where SMTPUTF8 says so: others keep their 8-bit bytes
		MimeMessage message = parse(envelope.isSmtputf8() ? this.utf8MailSession : this.mailSession, content);
		message.setHeader("X-Peer", peer(session));
		message.setHeader("X-MailFrom", (envelope.mailFrom() != null) ? envelope.mailFrom() : "");
		message.setHeader("X-RcptTo", String.join(", ", envelope.recipientAddresses()));
		return handleMessage(session, envelope, message);
	}

	private static MimeMessage parse(jakarta.mail.Session mailSession, MessageContent content)
			throws IOException, MessagingException {
		try (InputStream in = content.openStream()) {
			return new MimeMessage(mailSession, in);
		}
	}

	/**
	 * Handles one message. Runs on the hook executor; may block.
	 * @param session the session
	 * @param envelope the envelope
	 * @param message the parsed message with the {@code X-} headers added
	 * @return the reply, or {@code null} for {@code 250}
	 * @throws Exception to answer {@code 451 4.3.0} (or the reply of an
	 * {@code SmtpException})
	 */
	protected abstract @Nullable Reply handleMessage(Session session, Envelope envelope, MimeMessage message)
			throws Exception;

	/**
	 * Header fields in UTF-8 (RFC 6532), as SMTPUTF8 messages have them; without it
	 * Jakarta Mail reads them as Latin-1 and writes the {@code X-} headers so. Not for
	 * other messages: an 8-bit header that is not UTF-8 would lose its bytes.
	 */
	private static Properties utf8Headers() {
		Properties properties = new Properties();
		properties.setProperty("mail.mime.allowutf8", "true");
		return properties;
	}

	/** The client's IP address, or {@code unix:} and the socket's path. */
	private static String peer(Session session) {
		return (session.unixSocketPath() != null) ? "unix:" + session.unixSocketPath()
				: session.peerAddress().getAddress().getHostAddress();
	}

}
